/**
 * Property tests (fast-check) of the request-head parser and the buffer
 * that holds a request while it arrives: arbitrary bytes never make the
 * parser throw, parsing resumed where it stopped agrees with parsing the
 * whole, a generated valid head reads back as RFC 9112 says, and the buffer
 * never holds more than its account allows.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { ConnectionAccount } from "../../src/transport/account.ts";
import { ChargedBuffer } from "../../src/transport/charged_buffer.ts";
import { MAX_HEAD_BYTES, parseRequestHead } from "../../src/transport/http_head.ts";
import { buildRequest } from "../../src/transport/http_request.ts";

const enc = new TextEncoder();

/** Parses as the connection does: after each chunk, resuming where the last call stopped. */
function incremental(chunks: Uint8Array[]) {
  const account = new ConnectionAccount(MAX_HEAD_BYTES * 4);
  const buf = new ChargedBuffer(account);
  let result = parseRequestHead(buf.view());
  for (const c of chunks) {
    if (result.kind !== "incomplete") break;
    const scanned = buf.length;
    if (!buf.append(c)) return { result: null, account };
    assert.ok(account.held <= account.limit);
    result = parseRequestHead(buf.view(), scanned);
  }
  return { result, account, buf };
}

function chunksOf(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const n = 1 + (sizes[i % Math.max(1, sizes.length)] ?? 0) % 64;
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

/** Bytes biased toward what a head is made of (CR, LF, colons, spaces, letters). */
const headish = fc.array(
  fc.oneof(
    fc.constantFrom(0x0d, 0x0a, 0x3a, 0x20, 0x09, 0x0b, 0xa0, 0x2f),
    fc.integer({ min: 0x21, max: 0x7e }),
    fc.integer({ min: 0, max: 255 }),
  ),
  { maxLength: 2000 },
).map((a) => Uint8Array.from(a));

Deno.test("fuzz: arbitrary bytes never throw; resumed parsing agrees with parsing the whole", () => {
  fc.assert(
    fc.property(headish, fc.array(fc.nat(), { maxLength: 30 }), (bytes, sizes) => {
      const whole = parseRequestHead(bytes);
      const { result } = incremental(chunksOf(bytes, sizes));
      if (whole.kind === "head") {
        // The head was complete somewhere in the bytes: resumed parsing finds the same one.
        assert.deepEqual(result, whole);
      } else if (whole.kind === "incomplete") {
        assert.deepEqual(result, whole);
      } else {
        assert.ok(result !== null && result.kind === "error");
      }
    }),
    { numRuns: 500 },
  );
});

Deno.test("fuzz: every head the parser accepts makes a Request whose headers can be read", () => {
  // The handler's request reads its Headers when first asked (ServerRequest):
  // a field the parser let through that a Headers refuses would throw there,
  // in whichever route reads it first, as a 500.
  fc.assert(
    fc.property(
      fc.array(fc.tuple(token, fc.uint8Array({ maxLength: 40 })), { maxLength: 8 }),
      (fields) => {
        const bytes = Uint8Array.from([
          ...enc.encode("GET /x HTTP/1.1\r\nHost: hub.example\r\n"),
          ...fields.flatMap(([n, v]) => [...enc.encode(`${n}: `), ...v, 0x0d, 0x0a]),
          0x0d,
          0x0a,
        ]);
        const result = parseRequestHead(bytes);
        if (result.kind !== "head") return;
        const req = buildRequest(result.head, null, "http");
        assert.ok(req !== null);
        assert.equal(req.headers.get("host"), "hub.example");
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("fuzz: a head of prefixes with CRs: every prefix parses as the whole one does", () => {
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom("\r", "\n", "a", ":", " "), { maxLength: 400 }),
      (chars) => {
        const bytes = enc.encode(`GET / HTTP/1.1\r\n${chars.join("")}`);
        const whole = parseRequestHead(bytes);
        const { result } = incremental(chunksOf(bytes, [0]));
        if (whole.kind !== "error") assert.deepEqual(result, whole);
      },
    ),
    { numRuns: 300 },
  );
});

const token = fc.string({
  unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz-"),
  minLength: 1,
  maxLength: 12,
})
  .filter((t) => !["content-length", "transfer-encoding", "host", "connection"].includes(t));
const value = fc.string({
  unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789 ;=,./"),
  maxLength: 30,
}).map((v) => v.trim());

Deno.test("fuzz: a valid head reads back as RFC 9112 says, however it arrives", () => {
  fc.assert(
    fc.property(
      fc.constantFrom("GET", "POST", "PUT", "DELETE", "OPTIONS"),
      fc.string({ unit: fc.constantFrom(..."abcxyz019/-._~%?=&"), maxLength: 40 }),
      fc.array(fc.tuple(token, value), { maxLength: 20 }),
      fc.integer({ min: 0, max: 100_000 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      (method, path, fields, length, sizes) => {
        const target = `/${path}`;
        const lines = [
          `${method} ${target} HTTP/1.1`,
          "Host: example.org:8765",
          ...fields.map(([n, v]) => `${n}:  ${v}\t`),
          `Content-Length: ${length}`,
        ];
        const bytes = enc.encode(`${lines.join("\r\n")}\r\n\r\nBODY`);
        const { result } = incremental(chunksOf(bytes, sizes));
        assert.ok(result !== null && result.kind === "head", JSON.stringify(result));
        assert.equal(result.head.method, method);
        assert.equal(result.head.target, target);
        assert.equal(result.head.contentLength, length);
        assert.equal(result.head.keepAlive, true);
        assert.deepEqual(
          result.head.headers,
          [
            ["host", "example.org:8765"],
            ...fields.map(([n, v]) => [n, v]),
            ["content-length", String(length)],
          ],
        );
        assert.equal(result.bodyStart, bytes.length - 4);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("fuzz: the request buffer never holds more than its account, and gives it all back", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 5000 }), { maxLength: 40 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      (chunks, consumes) => {
        const account = new ConnectionAccount(64 * 1024);
        const buf = new ChargedBuffer(account);
        let expected: number[] = [];
        chunks.forEach((c, i) => {
          if (buf.append(c)) expected.push(...c);
          assert.ok(account.held <= account.limit);
          assert.equal(account.held, buf.capacity);
          assert.ok(buf.capacity <= Math.max(256, 2 * buf.length + 2 * c.length));
          const n = (consumes[i] ?? 0) % (buf.length + 1);
          buf.consume(n);
          expected = expected.slice(n);
          assert.deepEqual([...buf.view()], expected);
        });
        buf.reset();
        assert.equal(account.held, 0);
      },
    ),
    { numRuns: 200 },
  );
});
