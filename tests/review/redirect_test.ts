/**
 * Issue 7 row 14: a platform endpoint that answers with a redirect to another
 * host never makes the fetcher go there. A second fake listens on another
 * loopback address (127.0.0.2) as the "foreign" host and must see no request;
 * same-host redirects are followed, at most `DEFAULT_MAX_REDIRECTS` of them.
 */
import assert from "node:assert/strict";
import { DEFAULT_MAX_REDIRECTS, isSameHostRedirect } from "../../src/review/bounded_get.ts";
import { fetchPostText, type FetchPostTextDeps } from "../../src/review/fetch_post_text.ts";
import {
  type FakeHandler,
  type FakeServer,
  json,
  recordingSleep,
  redirect,
  startFake,
  telegramEmbed,
} from "./_fake_platforms.ts";

const TOKEN = "vk1.a.REDIRECT-secret";

function depsFor(server: FakeServer): FetchPostTextDeps {
  return {
    vk: { apiBase: server.base, token: TOKEN, version: "5.199" },
    telegramBase: server.base,
    timeoutMs: 2000,
    sleep: recordingSleep().sleep,
  };
}

/** Runs `body` with a platform fake and a foreign fake on 127.0.0.2, closing both. */
async function withPlatformAndForeign(
  handler: (foreign: FakeServer) => FakeHandler,
  body: (platform: FakeServer, foreign: FakeServer) => Promise<void>,
): Promise<void> {
  const foreign = startFake(
    () => json({ response: { items: [{ text: "FOREIGN" }] } }),
    "127.0.0.2",
  );
  const platform = startFake(handler(foreign));
  try {
    await body(platform, foreign);
  } finally {
    await platform.close();
    await foreign.close();
  }
}

Deno.test("Telegram answering 302 to another host is not followed", async () => {
  await withPlatformAndForeign(
    (foreign) => (req) => redirect(`${foreign.base}${new URL(req.url).pathname}?embed=1`),
    async (platform, foreign) => {
      const result = await fetchPostText("telegram", "https://t.me/durov/42", depsFor(platform));
      assert.equal(result.ok, false);
      assert.ok(!result.ok && result.reason === "http_error", JSON.stringify(result));
      assert.match(!result.ok ? result.detail : "", /HTTP 302: a redirect to another host/);
      assert.equal(platform.requests.length, 1, "asked once, not retried");
      assert.equal(foreign.requests.length, 0, "the foreign host was never asked");
    },
  );
});

Deno.test("VK redirects elsewhere are refused, whatever their form; the token stays home", async () => {
  for (const status of [301, 302, 303, 307, 308]) {
    const forms = (foreign: FakeServer) => {
      const port = new URL(foreign.base).port;
      return [
        `${foreign.base}/method/wall.getById?access_token=${TOKEN}`,
        `//127.0.0.2:${port}/steal`,
        `http://127.0.0.2:${port}`,
        `http://${TOKEN}@127.0.0.2:${port}/`,
      ];
    };
    for (let form = 0; form < 4; form++) {
      await withPlatformAndForeign(
        (foreign) => () => redirect(forms(foreign)[form]!, status),
        async (platform, foreign) => {
          const result = await fetchPostText("vk", "https://vk.com/wall-1_2", depsFor(platform));
          assert.equal(result.ok, false, `${status} ${form}`);
          assert.ok(!result.ok && !result.detail.includes(TOKEN), JSON.stringify(result));
          assert.equal(
            foreign.requests.length,
            0,
            `${status} form ${form} reached the foreign host`,
          );
        },
      );
    }
  }
});

Deno.test("a redirect to the same address on another port is another host", async () => {
  const other = startFake(() => json({ response: { items: [{ text: "OTHER PORT" }] } }));
  const platform = startFake(() => redirect(`${other.base}/method/wall.getById`));
  try {
    const result = await fetchPostText("vk", "https://vk.com/wall-1_2", depsFor(platform));
    assert.equal(result.ok, false);
    assert.equal(other.requests.length, 0);
  } finally {
    await platform.close();
    await other.close();
  }
});

Deno.test("same-host redirects are followed, at most DEFAULT_MAX_REDIRECTS", async () => {
  await withPlatformAndForeign(
    () => (req) => {
      const url = new URL(req.url);
      if (url.pathname === "/durov/42") return redirect("/s/durov/42?embed=1", 301);
      if (url.pathname === "/s/durov/42") return redirect(`${url.origin}/final/42?embed=1`, 307);
      return new Response(telegramEmbed("after two hops"), {
        headers: { "content-type": "text/html" },
      });
    },
    async (platform, foreign) => {
      const result = await fetchPostText("telegram", "https://t.me/durov/42", depsFor(platform));
      assert.deepEqual(result, { ok: true, text: "after two hops" });
      assert.deepEqual(platform.requests.map((r) => r.path), [
        "/durov/42",
        "/s/durov/42",
        "/final/42",
      ]);
      assert.equal(foreign.requests.length, 0);
    },
  );
  await withPlatformAndForeign(
    () => (_req, n) => redirect(`/loop/${n}`),
    async (platform) => {
      const result = await fetchPostText("telegram", "https://t.me/durov/42", depsFor(platform));
      assert.equal(result.ok, false);
      assert.match(!result.ok ? result.detail : "", /more than 2 redirects/);
      assert.equal(platform.requests.length, 1 + DEFAULT_MAX_REDIRECTS);
    },
  );
  await withPlatformAndForeign(
    () => () => new Response(null, { status: 302 }),
    async (platform) => {
      const result = await fetchPostText("telegram", "https://t.me/durov/42", depsFor(platform));
      assert.match(!result.ok ? result.detail : "", /without a usable Location/);
    },
  );
});

Deno.test("isSameHostRedirect: host, port, scheme and credentials", () => {
  const cases: Array<[string, string, boolean]> = [
    ["https://t.me/a", "https://t.me/b", true],
    ["https://t.me/a", "https://T.ME/b", true],
    ["http://t.me/a", "https://t.me/b", true],
    ["https://t.me/a", "http://t.me/b", false],
    ["https://t.me/a", "https://telegram.org/b", false],
    ["https://t.me/a", "https://t.me.evil.example/b", false],
    ["https://t.me/a", "https://t.me:8443/b", false],
    ["https://t.me/a", "https://user:pw@t.me/b", false],
    ["https://t.me/a", "javascript:alert(1)", false],
    ["https://t.me/a", "file:///etc/passwd", false],
    ["http://127.0.0.1:5000/a", "http://127.0.0.1:5000/b", true],
    ["http://127.0.0.1:5000/a", "http://127.0.0.1:5001/b", false],
    ["http://127.0.0.1:5000/a", "http://127.0.0.2:5000/b", false],
  ];
  for (const [from, to, same] of cases) {
    assert.equal(isSameHostRedirect(new URL(from), new URL(to)), same, `${from} → ${to}`);
  }
});
