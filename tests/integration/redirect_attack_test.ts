/**
 * Issue 7 row 14 through the running server: VK's API and Telegram's embed
 * pages (local fakes) answer 302 to a foreign host on another loopback
 * address. The server must never ask the foreign host, must still announce
 * the responses (the card saying the text is unavailable), and a card links
 * only to https on the platform's own hosts.
 */
import assert from "node:assert/strict";
import { parse } from "node-html-parser";
import { mintToken, startServer } from "../_support/server.ts";
import { TestClient } from "../_support/ws_client.ts";
import { json, redirect, startFake } from "../review/_fake_platforms.ts";
import { SQLITE } from "./backends.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "the server never follows a platform's redirect to another host",
  ...opts,
}, async () => {
  const foreign = startFake(
    () => json({ response: { items: [{ text: "FOREIGN TEXT" }] } }),
    "127.0.0.2",
  );
  const platform = startFake((req) => {
    const url = new URL(req.url);
    return redirect(`${foreign.base}${url.pathname}${url.search}`);
  });
  const backend = await SQLITE.create();
  const server = await startServer({
    ...backend.env,
    VK_API_BASE: platform.base,
    VK_API_TOKEN: "vk-secret-token-row14",
    TELEGRAM_BASE: platform.base,
    POST_FETCH_TIMEOUT_MS: "2000",
  });
  const db = await backend.open();
  const op = await TestClient.open(server.wsUrl);
  const mod = await TestClient.open(server.wsUrl);
  try {
    await op.hello(await mintToken("alice", "operator"));
    await mod.hello(await mintToken("writer", "module"));
    const rows = [
      { platform: "telegram", post_url: "https://t.me/durov/42", linked: true },
      { platform: "vk", post_url: "https://vk.com/wall-1_2", linked: true },
      { platform: "vk", post_url: "http://vk.com/wall-1_3", linked: false },
      { platform: "vk", post_url: "https://vk.com.evil.example/wall-1_4", linked: false },
    ];
    for (const row of rows) {
      const id = await db.insertResponse({
        platform: row.platform,
        post_url: row.post_url,
        post_text: null,
      });
      const ack = await mod.request({ type: "SR", response_id: id });
      assert.equal(ack.type, "ACK");
      const ev = await op.next((f) => f.type === "EVENT" && f.response_id === id);
      const card = parse(ev.html);
      assert.match(ev.html, /Post text unavailable/, row.post_url);
      assert.doesNotMatch(ev.html, /FOREIGN/);
      assert.equal(Boolean(card.querySelector("a.card-link")), row.linked, row.post_url);
    }
    assert.ok(platform.requests.length >= 2, "the platforms were asked");
    assert.equal(foreign.requests.length, 0, "the foreign host was asked");
    assert.doesNotMatch(server.output(), /vk-secret-token-row14/);
  } finally {
    await op.close();
    await mod.close();
    await server.kill();
    await db.close();
    await backend.dispose();
    await platform.close();
    await foreign.close();
  }
});
