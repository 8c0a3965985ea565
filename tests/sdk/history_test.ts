import assert from "node:assert/strict";
import { ReviewError } from "../../web/sdk/errors.ts";
import { HistoryClient, historyUrl } from "../../web/sdk/history.ts";

Deno.test("historyUrl: from the WebSocket or the page URL", () => {
  assert.equal(historyUrl("ws://127.0.0.1:8765/ws"), "http://127.0.0.1:8765/api/history");
  assert.equal(historyUrl("wss://hub.example/ws?x=1"), "https://hub.example/api/history");
  assert.equal(historyUrl("https://hub.example/#token=t"), "https://hub.example/api/history");
});

Deno.test("page() sends the token and the filters; all() follows the cursor to the end", async () => {
  const asked: Array<{ url: URL; auth: string | null }> = [];
  const pages: Record<string, unknown> = {
    "": { items: [{ response_id: 3 }, { response_id: 2 }], next_cursor: "c1" },
    c1: { items: [{ response_id: 1 }], next_cursor: null },
  };
  const fakeFetch = (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    asked.push({ url, auth: new Headers(init?.headers).get("authorization") });
    return Promise.resolve(Response.json(pages[url.searchParams.get("cursor") ?? ""]));
  };
  let calls = 0;
  const h = new HistoryClient("ws://hub.test/ws", {
    token: () => `t${++calls}`,
    fetch: fakeFetch as typeof fetch,
  });
  const ids: number[] = [];
  for await (const item of h.all({ status: "approved", q: "погода", limit: 2 })) {
    ids.push(item.response_id);
  }
  assert.deepEqual(ids, [3, 2, 1]);
  assert.equal(asked.length, 2);
  assert.equal(asked[0]!.url.pathname, "/api/history");
  assert.equal(asked[0]!.url.searchParams.get("status"), "approved");
  assert.equal(asked[0]!.url.searchParams.get("q"), "погода");
  assert.equal(asked[0]!.url.searchParams.get("limit"), "2");
  assert.equal(asked[0]!.auth, "Bearer t1");
  assert.equal(asked[1]!.url.searchParams.get("cursor"), "c1");
  assert.equal(asked[1]!.auth, "Bearer t2", "the token function is asked for each request");
});

Deno.test("page() rejects with the server's code, or closed when fetch fails", async () => {
  const answer = (status: number, body: unknown) => () =>
    Promise.resolve(Response.json(body, { status }));
  const bad = new HistoryClient("http://hub.test/", {
    token: "t",
    fetch: answer(400, {
      type: "ERROR",
      code: "bad_frame",
      message: "parameter 'limit' must be…",
      retryable: false,
    }) as typeof fetch,
  });
  const e = await bad.page({ limit: 0 }).catch((e) => e);
  assert.ok(e instanceof ReviewError);
  assert.equal(e.code, "bad_frame");
  assert.match(e.message, /limit/);
  const down = new HistoryClient("http://hub.test/", {
    token: "t",
    fetch: (() => Promise.reject(new TypeError("refused"))) as typeof fetch,
  });
  assert.equal((await down.page().catch((e) => e)).code, "closed");
});
