import assert from "node:assert/strict";
import { isoLatin1, MAX_HEAD_BYTES, parseRequestHead } from "../../src/transport/http_head.ts";

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

Deno.test("obs-text: every byte 0x80–0xFF of a field value is the character of its own value", () => {
  const bytes: number[] = [];
  for (let b = 0x80; b <= 0xff; b++) bytes.push(b);
  const start = enc("GET / HTTP/1.1\r\nHost: x\r\nX-A: ");
  const end = enc("\r\n\r\n");
  const r = parseRequestHead(Uint8Array.from([...start, ...bytes, ...end]));
  assert.equal(r.kind, "head");
  if (r.kind !== "head") return;
  const value = r.head.headers[1]![1];
  assert.deepEqual([...value].map((c) => c.charCodeAt(0)), bytes);
  // Which a Headers holds as it is (windows-1252 would have made 0x80 a `€` it refuses).
  assert.equal(new Headers([["x-a", value]]).get("x-a"), value);
});

Deno.test("isoLatin1: ASCII through the native decoder, anything else byte by byte", () => {
  assert.equal(isoLatin1(enc("GET / HTTP/1.1")), "GET / HTTP/1.1");
  assert.equal(isoLatin1(Uint8Array.of(0x41, 0x80, 0x9f, 0xa0, 0xff)), "A\u0080\u009f\u00a0\u00ff");
  const long = new Uint8Array(10_000).fill(0x80);
  assert.equal(isoLatin1(long), "\u0080".repeat(10_000));
});
