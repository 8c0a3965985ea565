/**
 * The review path through the running server, with VK and Telegram answered
 * by a local HTTP server: `SR` → the post text fetched and stored → the card
 * rendered with autoescaping → `EVENT` to every operator. A failed fetch
 * still announces the response, counts the failure, and the next `SR` tries
 * again.
 */
import assert from "node:assert/strict";
import { mintToken, startServer } from "../_support/server.ts";
import { TestClient } from "../_support/ws_client.ts";
import { BACKENDS } from "./backends.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const XSS = `<img src=x onerror=alert(1)>`;

/** A local stand-in for VK's API and Telegram's embed pages. */
function fakePlatforms() {
  const requests: string[] = [];
  let telegramUp = false;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    requests.push(url.pathname + url.search);
    if (url.pathname === "/method/wall.getById") {
      const posts = url.searchParams.get("posts");
      if (url.searchParams.get("access_token") !== "vk-test-token") {
        return Response.json({ error: { error_code: 5, error_msg: "User authorization failed" } });
      }
      return Response.json({ response: { items: [{ id: 1, text: `VK post ${posts} ${XSS}` }] } });
    }
    if (url.pathname.startsWith("/durov/")) {
      if (!telegramUp) return new Response("down", { status: 503 });
      return new Response(
        `<html><body><div class="tgme_widget_message_text js-message_text">Telegram &amp; friends<br>${
          XSS.replace(/</g, "&lt;").replace(/>/g, "&gt;")
        }</div></body></html>`,
        { headers: { "content-type": "text/html" } },
      );
    }
    return new Response("not found", { status: 404 });
  });
  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    requests,
    setTelegramUp: (up: boolean) => telegramUp = up,
    close: () => server.shutdown(),
  };
}

for (const kind of BACKENDS) {
  Deno.test({
    name: `SR fetches, stores and escapes post text (${kind.name})`,
    ignore: !kind.available,
    ...opts,
  }, async () => {
    const fake = fakePlatforms();
    const backend = await kind.create();
    const server = await startServer({
      ...backend.env,
      VK_API_BASE: fake.base,
      VK_API_TOKEN: "vk-test-token",
      TELEGRAM_BASE: fake.base,
      POST_FETCH_TIMEOUT_MS: "2000",
    });
    const db = await backend.open();
    const op = await TestClient.open(server.wsUrl);
    const mod = await TestClient.open(server.wsUrl);
    try {
      await op.hello(await mintToken("alice", "operator"));
      await mod.hello(await mintToken("writer", "module"));

      const vkId = await db.insertResponse({
        platform: "vk",
        post_url: "https://vk.com/wall-123_456",
        post_text: null,
        author: XSS,
        response_text: `Thanks ${XSS}`,
      });
      await mod.request({ type: "SR", response_id: vkId });
      const vk = await op.next((f) => f.type === "EVENT" && f.response_id === vkId);
      assert.match(vk.html, /VK post -123_456/);
      assert.ok(!vk.html.includes("<img"), vk.html);
      assert.equal(
        (vk.html.match(/&lt;img src=x onerror=alert\(1\)&gt;/g) ?? []).length,
        3,
        vk.html,
      );
      assert.ok(fake.requests.some((r) => r.includes("posts=-123_456") && r.includes("v=5.199")));
      const stored = await db.getResponse(vkId);
      assert.equal(stored?.post_text, `VK post -123_456 ${XSS}`, "fetched text stored in the row");

      // Telegram down: the response is still announced, saying the text is unavailable.
      const tgId = await db.insertResponse({
        platform: "telegram",
        post_url: "https://t.me/durov/42",
        post_text: "",
      });
      const first = await mod.request({ type: "SR", response_id: tgId });
      assert.equal(first.type, "ACK");
      const tg = await op.next((f) => f.type === "EVENT" && f.response_id === tgId);
      assert.match(tg.html, /unavailable/i);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(
        metrics,
        /ws_post_fetch_total\{platform="telegram",outcome="http_error"\} [1-9]/,
      );
      assert.equal(
        fake.requests.filter((r) => r.startsWith("/durov/42?embed=1")).length,
        2,
        "one retry on 5xx",
      );

      // Telegram back: the next SR fetches again and stores the text; no second event.
      fake.setTelegramUp(true);
      const again = await mod.request({ type: "SR", response_id: tgId });
      assert.equal(again.duplicate, true);
      assert.equal(again.seq, first.seq);
      assert.equal((await db.getResponse(tgId))?.post_text, `Telegram & friends\n${XSS}`);
      const late = await TestClient.open(server.wsUrl);
      await late.hello(await mintToken("bob", "operator"));
      const snap = await late.nextOf("SNAPSHOT");
      const card = snap.items.find((i: { response_id: number }) => i.response_id === tgId);
      assert.match(card.html, /Telegram &amp; friends/);
      assert.ok(!card.html.includes("<img"));
      await late.close();
    } finally {
      await op.close();
      await mod.close();
      await server.kill();
      await db.close();
      await backend.dispose();
      await fake.close();
    }
  });
}
