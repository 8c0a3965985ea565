import assert from "node:assert/strict";
import {
  closeFrame,
  encodeFrame,
  FrameDecoder,
  OPCODE,
  textFrame,
} from "../../src/transport/ws_frames.ts";
import { bytes, clientFrame } from "./_frames.ts";

const MAX = 1024;

Deno.test("frames in, messages out: text, binary, ping, pong, close", () => {
  const d = new FrameDecoder(MAX);
  const out = d.push(bytes(
    clientFrame(OPCODE.text, "héllo"),
    clientFrame(OPCODE.binary, new Uint8Array([1, 2, 3])),
    clientFrame(OPCODE.ping, "p"),
    clientFrame(OPCODE.pong, ""),
    clientFrame(OPCODE.close, new Uint8Array([0x03, 0xe8, 0x62, 0x79, 0x65])),
  ));
  assert.deepEqual(out, [
    { kind: "text", data: "héllo" },
    { kind: "binary", data: new Uint8Array([1, 2, 3]) },
    { kind: "ping", payload: new TextEncoder().encode("p") },
    { kind: "pong" },
    { kind: "close", code: 1000, reason: "bye" },
  ]);
});

Deno.test("a frame split at every byte decodes the same", () => {
  const frame = clientFrame(OPCODE.text, "x".repeat(300));
  const d = new FrameDecoder(MAX);
  const out = [];
  for (let i = 0; i < frame.length; i++) out.push(...d.push(frame.subarray(i, i + 1)));
  assert.deepEqual(out, [{ kind: "text", data: "x".repeat(300) }]);
  assert.equal(d.heldBytes, 0);
});

Deno.test("fragments are joined, with control frames between them", () => {
  const d = new FrameDecoder(MAX);
  const out = d.push(bytes(
    clientFrame(OPCODE.text, "ab", { fin: false }),
    clientFrame(OPCODE.ping, ""),
    clientFrame(OPCODE.continuation, "cd", { fin: false }),
    clientFrame(OPCODE.continuation, "ef"),
  ));
  assert.deepEqual(out.map((f) => f.kind), ["ping", "text"]);
  assert.deepEqual(out[1], { kind: "text", data: "abcdef" });
});

const violations: Array<[string, Uint8Array, number]> = [
  ["unmasked frame", clientFrame(OPCODE.text, "a", { masked: false }), 1002],
  ["reserved bits", clientFrame(OPCODE.text, "a", { rsv: 4 }), 1002],
  ["unknown opcode", clientFrame(0x3, "a"), 1002],
  ["unknown control opcode", clientFrame(0xb, "a"), 1002],
  ["fragmented control frame", clientFrame(OPCODE.ping, "a", { fin: false }), 1002],
  ["control frame over 125 bytes", clientFrame(OPCODE.ping, "a".repeat(126)), 1002],
  ["continuation without start", clientFrame(OPCODE.continuation, "a"), 1002],
  [
    "new message inside a fragmented one",
    bytes(clientFrame(OPCODE.text, "a", { fin: false }), clientFrame(OPCODE.text, "b")),
    1002,
  ],
  ["invalid UTF-8 text", clientFrame(OPCODE.text, new Uint8Array([0xc3, 0x28])), 1007],
  ["one-byte close payload", clientFrame(OPCODE.close, new Uint8Array([3])), 1002],
  ["message over the limit", clientFrame(OPCODE.text, "a".repeat(MAX + 1)), 1009],
  [
    "fragments over the limit together",
    bytes(
      clientFrame(OPCODE.text, "a".repeat(MAX - 10), { fin: false }),
      clientFrame(OPCODE.continuation, "a".repeat(11)),
    ),
    1009,
  ],
];
for (const [name, input, code] of violations) {
  Deno.test(`violation: ${name} → ${code}, and nothing after it`, () => {
    const d = new FrameDecoder(MAX);
    const out = d.push(bytes(input, clientFrame(OPCODE.text, "after")));
    assert.equal(out.at(-1)?.kind, "violation");
    assert.equal((out.at(-1) as { code: number }).code, code);
    assert.deepEqual(d.push(clientFrame(OPCODE.text, "more")), []);
  });
}

Deno.test("an oversized frame is refused at its header: no payload is kept", () => {
  const d = new FrameDecoder(65536);
  // Only the header of a 60 MB frame: refused before any payload arrives.
  const header = clientFrame(OPCODE.text, new Uint8Array(0), { declaredLength: 60_000_000 });
  const out = d.push(header);
  assert.deepEqual(out, [{ kind: "violation", code: 1009, reason: "message over 65536 bytes" }]);
  assert.equal(d.heldBytes, 0);
});

Deno.test("an incomplete frame holds at most its own size", () => {
  const d = new FrameDecoder(65536);
  const frame = clientFrame(OPCODE.text, "y".repeat(60_000));
  assert.deepEqual(d.push(frame.subarray(0, 30_000)), []);
  assert.ok(d.heldBytes <= frame.length);
  assert.deepEqual(d.push(frame.subarray(30_000)), [{ kind: "text", data: "y".repeat(60_000) }]);
});

Deno.test("server frames: lengths of 7, 16 and 64 bits, close codes, one encoding per text", () => {
  assert.deepEqual([...encodeFrame(OPCODE.text, new Uint8Array(3)).subarray(0, 2)], [0x81, 3]);
  assert.deepEqual([...encodeFrame(OPCODE.text, new Uint8Array(300)).subarray(0, 4)], [
    0x81,
    126,
    1,
    44,
  ]);
  const big = encodeFrame(OPCODE.binary, new Uint8Array(70_000));
  assert.deepEqual([...big.subarray(0, 10)], [0x82, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
  const close = closeFrame(4029, "x".repeat(200));
  assert.equal(close.length, 2 + 125);
  assert.deepEqual([...close.subarray(0, 4)], [0x88, 125, 0x0f, 0xbd]);
  const text = "same event for every client";
  assert.equal(textFrame(text), textFrame(text));
});
