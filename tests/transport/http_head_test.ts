import assert from "node:assert/strict";
import { MAX_HEAD_BYTES, parseRequestHead } from "../../src/transport/http_head.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("a complete head: method, target, fields, body start, keep-alive", () => {
  const r = parseRequestHead(
    enc("POST /api/sr HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nX-A: b \r\n\r\nhello"),
  );
  assert.equal(r.kind, "head");
  if (r.kind !== "head") return;
  assert.equal(r.head.method, "POST");
  assert.equal(r.head.target, "/api/sr");
  assert.equal(r.head.contentLength, 5);
  assert.equal(r.head.keepAlive, true);
  assert.deepEqual(r.head.headers, [["host", "x"], ["content-length", "5"], ["x-a", "b"]]);
  assert.equal(
    r.bodyStart,
    "POST /api/sr HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nX-A: b \r\n\r\n".length,
  );
});

Deno.test("incomplete until the blank line", () => {
  assert.equal(parseRequestHead(enc("GET / HTTP/1.1\r\nHost: x\r\n")).kind, "incomplete");
});

Deno.test("keep-alive follows the version and Connection", () => {
  const ka = (s: string) => {
    const r = parseRequestHead(enc(s));
    return r.kind === "head" ? r.head.keepAlive : null;
  };
  assert.equal(ka("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), false);
  assert.equal(ka("GET / HTTP/1.0\r\n\r\n"), false);
  assert.equal(ka("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), true);
});

const refused: Array<[string, string, number]> = [
  ["no Host in 1.1", "GET / HTTP/1.1\r\n\r\n", 400],
  ["malformed request line", "GET /\r\nHost: x\r\n\r\n", 400],
  ["HTTP/2 over 1.1", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505],
  ["space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400],
  ["obsolete folding", "GET / HTTP/1.1\r\nHost: x\r\n  folded\r\n\r\n", 400],
  [
    "two different lengths",
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    400,
  ],
  [
    "length and chunked",
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
    400,
  ],
  ["chunked body", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 411],
  ["control byte in target", "GET /a\x01b HTTP/1.1\r\nHost: x\r\n\r\n", 400],
  ["long target", `GET /${"a".repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414],
  ["too many fields", `GET / HTTP/1.1\r\nHost: x\r\n${"A: b\r\n".repeat(101)}\r\n`, 431],
];
for (const [name, text, status] of refused) {
  Deno.test(`refused: ${name} → ${status}`, () => {
    const r = parseRequestHead(enc(text));
    assert.equal(r.kind, "error");
    if (r.kind === "error") assert.equal(r.error.status, status);
  });
}

Deno.test("a head that never ends is refused once over the limit", () => {
  const r = parseRequestHead(enc(`GET / HTTP/1.1\r\nHost: x\r\nX: ${"a".repeat(MAX_HEAD_BYTES)}`));
  assert.equal(r.kind, "error");
  if (r.kind === "error") assert.equal(r.error.status, 431);
  const longLine = parseRequestHead(enc(`GET /${"a".repeat(9000)}`));
  assert.equal(longLine.kind, "error");
});
