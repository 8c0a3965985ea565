import assert from "node:assert/strict";
import { parseRequestHead } from "../../src/transport/http_head.ts";

const enc = new TextEncoder();

Deno.test("a head of CRs read one byte at a time costs linear time, not quadratic", () => {
  const bytes = enc.encode(`GET / HTTP/1.1\r\n${"\r".repeat(16_000)}`);
  const started = performance.now();
  for (let i = 1; i <= bytes.length; i++) {
    assert.equal(parseRequestHead(bytes.subarray(0, i), i - 1).kind, "incomplete");
  }
  const ms = performance.now() - started;
  console.log(`[measure] M4: 16 KB of CRs parsed one byte at a time in ${ms.toFixed(1)} ms`);
  // Quadratic (restarting the search) takes seconds here; linear takes a few ms.
  assert.ok(ms < 1000, `${ms} ms`);
});

Deno.test("the resumed search finds an end that straddles where the last call stopped", () => {
  const bytes = enc.encode("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  for (let cut = 1; cut < bytes.length; cut++) {
    assert.equal(parseRequestHead(bytes.subarray(0, cut)).kind, "incomplete");
    const r = parseRequestHead(bytes, cut);
    assert.equal(r.kind, "head", `cut at ${cut}`);
  }
});

Deno.test("low row: Content-Length padded with VT or NBSP is refused; spaces and tabs are trimmed", () => {
  const head = (cl: string) =>
    new Uint8Array([
      ...enc.encode(`POST / HTTP/1.1\r\nHost: a\r\nContent-Length: `),
      ...cl.split("").map((c) => c.charCodeAt(0)),
      ...enc.encode("\r\n\r\n"),
    ]);
  assert.equal(parseRequestHead(head("5\x0b")).kind, "error");
  assert.equal(parseRequestHead(head("\xa05")).kind, "error");
  assert.equal(parseRequestHead(head("5\xa0")).kind, "error");
  const ok = parseRequestHead(head(" \t5 \t"));
  assert.ok(ok.kind === "head" && ok.head.contentLength === 5);
});
