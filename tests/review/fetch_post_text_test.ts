/**
 * `fetchPostText` against local fake VK and Telegram servers: the real
 * request building, retry, timeout, body cap and parsing, end to end.
 */
import assert from "node:assert/strict";
import { fetchPostText, type FetchPostTextDeps } from "../../src/review/fetch_post_text.ts";
import { Metrics } from "../../src/metrics/metrics.ts";
import {
  closedPort,
  type FakeHandler,
  type FakeServer,
  html,
  json,
  recordingSleep,
  startFake,
  TELEGRAM_NOT_FOUND,
  telegramEmbed,
} from "./_fake_platforms.ts";

const TOKEN = "vk1.a.SECRET-token_value";

function depsFor(server: FakeServer, over: Partial<FetchPostTextDeps> = {}): FetchPostTextDeps {
  return {
    vk: { apiBase: server.base, token: TOKEN, version: "5.199" },
    telegramBase: server.base,
    timeoutMs: 2000,
    sleep: recordingSleep().sleep,
    ...over,
  };
}

/** Runs `body` with a fake server, always closing it. */
async function withFake(handler: FakeHandler, body: (s: FakeServer) => Promise<void>) {
  const server = startFake(handler);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

Deno.test("vk: response.items answer gives the post text, request as the contract says", async () => {
  await withFake(
    () => json({ response: { count: 1, items: [{ id: 456, text: "Hello, VK ✓" }] } }),
    async (s) => {
      const result = await fetchPostText("vk", "https://vk.com/wall-123_456", depsFor(s));
      assert.deepEqual(result, { ok: true, text: "Hello, VK ✓" });
      assert.equal(s.requests.length, 1);
      const [req] = s.requests;
      assert.ok(req, "one request reached the fake VK");
      assert.equal(req.path, "/method/wall.getById");
      assert.equal(req.params.get("posts"), "-123_456");
      assert.equal(req.params.get("access_token"), TOKEN);
      assert.equal(req.params.get("v"), "5.199");
    },
  );
});

Deno.test("vk: the older response[] answer shape is accepted", async () => {
  await withFake(() => json({ response: [{ id: 2, text: "older shape" }] }), async (s) => {
    const result = await fetchPostText("vk", "https://m.vk.com/wall1_2", depsFor(s));
    assert.deepEqual(result, { ok: true, text: "older shape" });
    assert.equal(s.requests[0]!.params.get("posts"), "1_2");
  });
});

Deno.test("vk: ?w=wall… on a community page addresses the post", async () => {
  await withFake(() => json({ response: { items: [{ text: "via w" }] } }), async (s) => {
    const result = await fetchPostText("vk", "https://vk.com/club1?w=wall-1_2", depsFor(s));
    assert.deepEqual(result, { ok: true, text: "via w" });
    assert.equal(s.requests[0]!.params.get("posts"), "-1_2");
  });
});

Deno.test("vk: an error object is api_error with code and message, and no token in the detail", async () => {
  const answer = {
    error: {
      error_code: 5,
      error_msg: "User authorization failed: invalid access_token (4).",
      request_params: [{ key: "access_token", value: TOKEN }],
    },
  };
  await withFake(() => json(answer), async (s) => {
    const result = await fetchPostText("vk", "https://vk.com/wall-1_2", depsFor(s));
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.reason, "api_error");
    assert.match(result.detail, /VK error 5: User authorization failed/);
    assert.ok(!result.detail.includes(TOKEN));
    assert.equal(s.requests.length, 1, "an API error is not retried");
  });
});

Deno.test("vk: empty items is not_found", async () => {
  for (const answer of [{ response: { count: 0, items: [] } }, { response: [] }]) {
    await withFake(() => json(answer), async (s) => {
      const result = await fetchPostText("vk", "https://vk.com/wall-1_2", depsFor(s));
      assert.equal(result.ok ? "ok" : result.reason, "not_found");
    });
  }
});

Deno.test("vk: answers that are not the API's shape are parse_error", async () => {
  const bodies = ["not json", "[1,2]", '{"response": 5}', '{"response": {"items": [{"id": 1}]}}'];
  for (const body of bodies) {
    await withFake(() => new Response(body), async (s) => {
      const result = await fetchPostText("vk", "https://vk.com/wall-1_2", depsFor(s));
      assert.equal(result.ok ? "ok" : result.reason, "parse_error", body);
    });
  }
});

Deno.test("vk: without a token VK is not called", async () => {
  await withFake(() => json({ response: { items: [{ text: "x" }] } }), async (s) => {
    const deps = depsFor(s, { vk: { apiBase: s.base, token: "", version: "5.199" } });
    const result = await fetchPostText("vk", "https://vk.com/wall-1_2", deps);
    assert.equal(result.ok ? "ok" : result.reason, "no_token");
    assert.equal(s.requests.length, 0);
  });
});

Deno.test("retry: 500 then success makes exactly 2 requests after a short backoff", async () => {
  const { sleep, waits } = recordingSleep();
  const handler: FakeHandler = (_req, n) =>
    n === 1
      ? new Response("boom", { status: 500 })
      : json({ response: { items: [{ text: "second" }] } });
  await withFake(handler, async (s) => {
    const result = await fetchPostText("vk", "https://vk.com/wall-1_2", depsFor(s, { sleep }));
    assert.deepEqual(result, { ok: true, text: "second" });
    assert.equal(s.requests.length, 2);
    assert.equal(waits.length, 1);
    assert.ok(waits[0]! > 0 && waits[0]! <= 1000, `backoff ${waits[0]} ms`);
  });
});

Deno.test("retry: 429 with a small Retry-After is waited for, then success", async () => {
  const { sleep, waits } = recordingSleep();
  const handler: FakeHandler = (_req, n) =>
    n === 1
      ? new Response("slow down", { status: 429, headers: { "retry-after": "1" } })
      : html(telegramEmbed("after 429"));
  await withFake(handler, async (s) => {
    const result = await fetchPostText("telegram", "https://t.me/chan/5", depsFor(s, { sleep }));
    assert.deepEqual(result, { ok: true, text: "after 429" });
    assert.equal(s.requests.length, 2);
    assert.deepEqual(waits, [1000]);
  });
});

Deno.test("retry: a long Retry-After is not waited for: http_error after one request", async () => {
  const { sleep, waits } = recordingSleep();
  const handler = () => new Response("", { status: 429, headers: { "retry-after": "3600" } });
  await withFake(handler, async (s) => {
    const result = await fetchPostText("telegram", "https://t.me/chan/5", depsFor(s, { sleep }));
    assert.deepEqual(result, { ok: false, reason: "http_error", detail: "HTTP 429" });
    assert.equal(s.requests.length, 1);
    assert.deepEqual(waits, []);
  });
});

Deno.test("retry: at most one — two 503s give http_error after exactly 2 requests", async () => {
  await withFake(() => new Response("down", { status: 503 }), async (s) => {
    const result = await fetchPostText("telegram", "https://t.me/chan/5", depsFor(s));
    assert.deepEqual(result, { ok: false, reason: "http_error", detail: "HTTP 503" });
    assert.equal(s.requests.length, 2);
  });
});

Deno.test("retry: a 404 is final (one request)", async () => {
  await withFake(() => new Response("no", { status: 404 }), async (s) => {
    const result = await fetchPostText("telegram", "https://t.me/chan/5", depsFor(s));
    assert.deepEqual(result, { ok: false, reason: "http_error", detail: "HTTP 404" });
    assert.equal(s.requests.length, 1);
  });
});

Deno.test("timeout: a server that never answers gives reason timeout in about timeoutMs", async () => {
  await withFake(async (_req, _n, held) => (await held, new Response("late")), async (s) => {
    const started = performance.now();
    const result = await fetchPostText(
      "vk",
      "https://vk.com/wall-1_2",
      depsFor(s, { timeoutMs: 150 }),
    );
    const elapsed = performance.now() - started;
    assert.equal(result.ok ? "ok" : result.reason, "timeout");
    assert.ok(elapsed >= 140 && elapsed < 1500, `took ${elapsed} ms`);
    assert.equal(s.requests.length, 1, "a timeout is not retried");
  });
});

Deno.test("timeout: a body that stalls after the headers also times out", async () => {
  await withFake((_req, _n, held) => {
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new TextEncoder().encode("<html><body>"));
        await held;
        controller.close();
      },
    });
    return new Response(body, { headers: { "content-type": "text/html" } });
  }, async (s) => {
    const result = await fetchPostText(
      "telegram",
      "https://t.me/chan/5",
      depsFor(s, { timeoutMs: 150 }),
    );
    assert.equal(result.ok ? "ok" : result.reason, "timeout");
  });
});

Deno.test("network: a closed port is network after one retry, the token never in the detail", async () => {
  let calls = 0;
  const spy: typeof fetch = (input, init) => (calls++, fetch(input, init));
  const base = `http://127.0.0.1:${closedPort()}`;
  const deps: FetchPostTextDeps = {
    vk: { apiBase: base, token: TOKEN, version: "5.199" },
    telegramBase: base,
    timeoutMs: 2000,
    fetch: spy,
    sleep: recordingSleep().sleep,
  };
  const result = await fetchPostText("vk", "https://vk.com/wall-1_2", deps);
  assert.equal(result.ok ? "ok" : result.reason, "network");
  assert.equal(calls, 2);
  assert.ok(!result.ok && !result.detail.includes(TOKEN), !result.ok ? result.detail : "");
});

Deno.test("telegram: text with entities and <br> becomes plain text with newlines", async () => {
  const inner = `Tom &amp; Jerry &lt;3<br/>line two&nbsp;&#x1F600;<br>` +
    `<b>bold</b> <a href="https://x.example/">link</a> <i class="emoji"><b>🔥</b></i>`;
  await withFake(() => html(telegramEmbed(inner)), async (s) => {
    const result = await fetchPostText("telegram", "https://t.me/durov/123", depsFor(s));
    assert.deepEqual(result, { ok: true, text: "Tom & Jerry <3\nline two\u00a0😀\nbold link 🔥" });
    assert.equal(s.requests[0]!.path, "/durov/123");
    assert.equal(s.requests[0]!.params.get("embed"), "1");
  });
});

Deno.test("telegram: the /s/ form asks for the same embed page", async () => {
  await withFake(() => html(telegramEmbed("s form")), async (s) => {
    const result = await fetchPostText("telegram", "https://t.me/s/some_channel/789", depsFor(s));
    assert.deepEqual(result, { ok: true, text: "s form" });
    assert.equal(s.requests[0]!.path, "/some_channel/789");
  });
});

Deno.test("telegram: the 'post not found' page is not_found", async () => {
  await withFake(() => html(TELEGRAM_NOT_FOUND), async (s) => {
    const result = await fetchPostText("telegram", "https://t.me/chan/999999", depsFor(s));
    assert.equal(result.ok ? "ok" : result.reason, "not_found");
  });
});

Deno.test("telegram: a page that is no embed page is parse_error", async () => {
  for (const page of ["", "<html><body><p>Hello</p></body></html>", '{"json": true}']) {
    await withFake(() => html(page), async (s) => {
      const result = await fetchPostText("telegram", "https://t.me/chan/1", depsFor(s));
      assert.equal(result.ok ? "ok" : result.reason, "parse_error", page);
    });
  }
});

Deno.test("telegram: malformed and truncated HTML does not crash", async () => {
  const truncated = telegramEmbed("Hello <b>wor").slice(
    0,
    telegramEmbed("Hello <b>wor").indexOf("wor") + 3,
  );
  const pages = [
    truncated,
    "<<<>>></div></div><div class=",
    "<div class='tgme_widget_message_text'",
  ];
  for (const page of pages) {
    await withFake(() => html(page), async (s) => {
      const result = await fetchPostText("telegram", "https://t.me/chan/1", depsFor(s));
      if (result.ok) assert.equal(typeof result.text, "string");
      else assert.ok(["parse_error", "not_found"].includes(result.reason), result.reason);
    });
  }
  await withFake(() => html(truncated), async (s) => {
    const result = await fetchPostText("telegram", "https://t.me/chan/1", depsFor(s));
    assert.deepEqual(result, { ok: true, text: "Hello wor" });
  });
});

Deno.test("body cap: an endless answer is cut off, not read into memory", async () => {
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  let sent = 0;
  await withFake(() => {
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    return new Response(body, { headers: { "content-type": "text/html" } });
  }, async (s) => {
    const result = await fetchPostText(
      "telegram",
      "https://t.me/chan/1",
      depsFor(s, { maxBodyBytes: 256 * 1024 }),
    );
    assert.equal(result.ok ? "ok" : result.reason, "parse_error");
    assert.ok(!result.ok && /larger than 262144 bytes/.test(result.detail));
    assert.ok(sent < 64 * 1024 * 1024, `the server sent ${sent} bytes`);
  });
});

Deno.test("body cap: a declared Content-Length over the cap is refused before reading", async () => {
  const big = "x".repeat(3 * 1024 * 1024);
  await withFake(() => html(big), async (s) => {
    const result = await fetchPostText("telegram", "https://t.me/chan/1", depsFor(s));
    assert.ok(
      !result.ok && result.reason === "parse_error" && /larger than 2097152/.test(result.detail),
    );
  });
});

Deno.test("bad URLs and unknown platforms are bad_url without a request", async () => {
  const cases: Array<[string, string]> = [
    ["vk", "https://vk.com/id1"],
    ["vk", "https://evil.example/wall-1_2"],
    ["vk", "javascript:alert(1)//vk.com/wall-1_2"],
    ["vk", "https://vk.com/wall-1_0"],
    ["vk", "https://vk.com/wall-01_2"],
    ["vk", "not a url"],
    ["vk", ""],
    ["telegram", "https://t.me/chan"],
    ["telegram", "https://t.me/chan/abc"],
    ["telegram", "https://t.me/c/123456/789"],
    ["telegram", "https://t.me/chan/1/2"],
    ["telegram", "https://example.org/chan/1"],
    ["telegram", "ftp://t.me/chan/1"],
    ["facebook", "https://vk.com/wall-1_2"],
    ["", "https://t.me/chan/1"],
  ];
  await withFake(
    () => json({ response: { items: [{ text: "must not be asked" }] } }),
    async (s) => {
      for (const [platform, url] of cases) {
        const result = await fetchPostText(platform, url, depsFor(s));
        assert.equal(result.ok ? "ok" : result.reason, "bad_url", `${platform} ${url}`);
      }
      assert.equal(s.requests.length, 0);
    },
  );
});

Deno.test("metrics: outcomes are counted by platform and outcome, latency observed", async () => {
  const metrics = new Metrics();
  await withFake(
    (
      _req,
      n,
    ) => (n === 1 ? json({ response: { items: [{ text: "a" }] } }) : html(TELEGRAM_NOT_FOUND)),
    async (s) => {
      await fetchPostText("vk", "https://vk.com/wall-1_2", depsFor(s, { metrics }));
      await fetchPostText("telegram", "https://t.me/chan/2", depsFor(s, { metrics }));
      await fetchPostText("other", "x", depsFor(s, { metrics }));
    },
  );
  const stats = await metrics.getStats();
  assert.deepEqual(stats.ws_post_fetch_total, {
    "platform=vk,outcome=ok": 1,
    "platform=telegram,outcome=not_found": 1,
    "platform=unknown,outcome=bad_url": 1,
  });
  const seconds = stats.ws_post_fetch_seconds as Record<string, { count: number }>;
  assert.equal(seconds["platform=vk"]!.count, 1);
  assert.equal(seconds["platform=telegram"]!.count, 1);
});
