/** `boundedGet` at its edges: the body cap to the byte, Retry-After at its cap, odd fetches. */
import assert from "node:assert/strict";
import {
  boundedGet,
  type BoundedGetOptions,
  parseRetryAfter,
} from "../../src/review/bounded_get.ts";
import { recordingSleep, startFake } from "./_fake_platforms.ts";

const options = (over: Partial<BoundedGetOptions> = {}): BoundedGetOptions => ({
  fetch,
  timeoutMs: 2000,
  maxBodyBytes: 1024,
  sleep: recordingSleep().sleep,
  ...over,
});

Deno.test("boundedGet: a body of exactly the cap is read; one byte more is refused", async () => {
  const server = startFake((req) => {
    const size = Number(new URL(req.url).searchParams.get("size"));
    // A stream, so no Content-Length: the cap is enforced while reading.
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(size).fill(0x62));
        controller.close();
      },
    });
    return new Response(body);
  });
  try {
    const exact = await boundedGet(`${server.base}/?size=1024`, options());
    assert.equal(exact.kind, "ok");
    assert.equal(exact.kind === "ok" ? exact.body.length : 0, 1024);
    const over = await boundedGet(`${server.base}/?size=1025`, options());
    assert.deepEqual(over, { kind: "too_large", limit: 1024 });
  } finally {
    await server.close();
  }
});

Deno.test("boundedGet: multi-byte characters split across chunks decode intact", async () => {
  const bytes = new TextEncoder().encode("Привет 🌍");
  const server = startFake(() =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (const b of bytes) controller.enqueue(new Uint8Array([b]));
          controller.close();
        },
      }),
    )
  );
  try {
    assert.deepEqual(await boundedGet(server.base, options()), {
      kind: "ok",
      status: 200,
      body: "Привет 🌍",
    });
  } finally {
    await server.close();
  }
});

Deno.test("boundedGet: Retry-After at the cap is waited for, above it is not", async () => {
  for (
    const [header, expectedWaits, expectedRequests] of [["1", [1000], 2], ["2", [], 1]] as const
  ) {
    const { sleep, waits } = recordingSleep();
    const server = startFake(() =>
      new Response("", { status: 429, headers: { "retry-after": header } })
    );
    try {
      const outcome = await boundedGet(server.base, options({ sleep, maxRetryAfterMs: 1000 }));
      assert.deepEqual(outcome, { kind: "http_error", status: 429 });
      assert.deepEqual(waits, [...expectedWaits]);
      assert.equal(server.requests.length, expectedRequests);
    } finally {
      await server.close();
    }
  }
});

Deno.test("boundedGet: a redirect is followed", async () => {
  const server = startFake((req) =>
    new URL(req.url).pathname === "/old"
      ? Response.redirect(new URL("/new", req.url), 302)
      : new Response("moved here")
  );
  try {
    assert.deepEqual(await boundedGet(`${server.base}/old`, options()), {
      kind: "ok",
      status: 200,
      body: "moved here",
    });
  } finally {
    await server.close();
  }
});

Deno.test("boundedGet: a fetch that throws is a network failure, retried once", async () => {
  let calls = 0;
  const throwing = (() => {
    calls++;
    throw new TypeError("broken fetch");
  }) as unknown as typeof fetch;
  const outcome = await boundedGet("http://127.0.0.1:9/", options({ fetch: throwing }));
  assert.deepEqual(outcome, { kind: "network", detail: "TypeError: broken fetch" });
  assert.equal(calls, 2);
});

Deno.test("boundedGet: an empty 204 answer is ok with an empty body", async () => {
  const server = startFake(() => new Response(null, { status: 204 }));
  try {
    assert.deepEqual(await boundedGet(server.base, options()), {
      kind: "ok",
      status: 204,
      body: "",
    });
  } finally {
    await server.close();
  }
});

Deno.test("parseRetryAfter reads seconds and HTTP dates, and refuses junk", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(parseRetryAfter("2", now), 2000);
  assert.equal(parseRetryAfter(" 0 ", now), 0);
  assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:03 GMT", now), 3000);
  assert.equal(parseRetryAfter("Wed, 31 Dec 2025 23:00:00 GMT", now), 0);
  assert.equal(parseRetryAfter(null, now), null);
  assert.equal(parseRetryAfter("soon", now), null);
  assert.equal(parseRetryAfter("-5", now), null);
  assert.equal(parseRetryAfter("1.5", now), null);
});
