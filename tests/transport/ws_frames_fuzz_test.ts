/**
 * Property tests (fast-check) of the frame decoder: arbitrary bytes cut
 * anywhere never make it throw or hold more than its account allows, and a
 * valid sequence of frames (fragmented messages with control frames between
 * fragments, as RFC 6455 §5.4 allows) decodes to what a plain reading of the
 * RFC says it carries, however the bytes are split.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { ConnectionAccount } from "../../src/transport/account.ts";
import { FrameDecoder, type Inbound, OPCODE } from "../../src/transport/ws_frames.ts";
import { clientFrame } from "./_frames.ts";

const MAX = 4096;
const LIMIT = 4 * MAX + 8192;

/** Cuts bytes at the given (sorted, deduplicated) points. */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    parts.push(bytes.subarray(at, p));
    at = p;
  }
  parts.push(bytes.subarray(at));
  return parts;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Feeds the parts to a fresh decoder, checking the account after each. */
function decode(parts: Uint8Array[]): { out: Inbound[]; peak: number; held: number } {
  const account = new ConnectionAccount(LIMIT);
  const d = new FrameDecoder(MAX, account);
  const out: Inbound[] = [];
  for (const p of parts) {
    out.push(...d.push(p));
    assert.ok(account.held <= LIMIT, `held ${account.held}`);
  }
  return { out, peak: account.peak, held: account.held };
}

Deno.test("fuzz: arbitrary bytes, arbitrary splits: no throw, bounded, split-invariant", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 3000 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      (bytes, cuts) => {
        const whole = decode([bytes]);
        const pieces = decode(split(bytes, cuts));
        assert.deepEqual(pieces.out, whole.out);
        assert.ok(pieces.peak <= LIMIT);
        // After a violation nothing follows it.
        const v = whole.out.findIndex((i) => i.kind === "violation");
        assert.ok(v === -1 || v === whole.out.length - 1);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("fuzz: frames with plausible headers but random fields never throw or overdraw", () => {
  const frame = fc.record({
    fin: fc.boolean(),
    rsv: fc.constantFrom(0, 0, 0, 1),
    opcode: fc.constantFrom(0, 1, 2, 3, 8, 9, 10, 11),
    masked: fc.constantFrom(true, true, true, false),
    payload: fc.uint8Array({ maxLength: 300 }),
  });
  fc.assert(
    fc.property(fc.array(frame, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 30 }), (
      frames,
      cuts,
    ) => {
      const bytes = concat(frames.map((f) => clientFrame(f.opcode, f.payload, f)));
      const whole = decode([bytes]);
      assert.deepEqual(decode(split(bytes, cuts)).out, whole.out);
    }),
    { numRuns: 300 },
  );
});

/** One item of a valid client stream, and what RFC 6455 says it carries. */
type Item =
  | { kind: "text"; parts: string[] }
  | { kind: "binary"; parts: Uint8Array[] }
  | { kind: "ping"; payload: Uint8Array }
  | { kind: "pong"; payload: Uint8Array };

const control = fc.oneof(
  fc.uint8Array({ maxLength: 125 }).map((payload): Item => ({ kind: "ping", payload })),
  fc.uint8Array({ maxLength: 125 }).map((payload): Item => ({ kind: "pong", payload })),
);
const message = fc.oneof(
  fc.array(fc.string({ unit: "grapheme", maxLength: 60 }), { minLength: 1, maxLength: 6 })
    .map((parts): Item => ({ kind: "text", parts })),
  fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 1, maxLength: 6 })
    .map((parts): Item => ({ kind: "binary", parts })),
);

/** The frames of a message, with control frames between its fragments. */
function encodeItem(item: Item, between: Item[]): Uint8Array[] {
  if (item.kind === "ping") return [clientFrame(OPCODE.ping, item.payload)];
  if (item.kind === "pong") return [clientFrame(OPCODE.pong, item.payload)];
  const enc = new TextEncoder();
  const parts = item.kind === "text"
    ? item.parts.map((p) => enc.encode(p))
    : item.parts as Uint8Array[];
  const out: Uint8Array[] = [];
  parts.forEach((p, i) => {
    const opcode = i === 0 ? (item.kind === "text" ? OPCODE.text : OPCODE.binary) : 0;
    out.push(clientFrame(opcode, p, { fin: i === parts.length - 1 }));
    if (i < parts.length - 1 && between[i]) out.push(...encodeItem(between[i]!, []));
  });
  return out;
}

/** What the RFC says the stream carries, in order (control frames as they come). */
function expected(item: Item, between: Item[]): Inbound[] {
  if (item.kind === "ping") return [{ kind: "ping", payload: item.payload }];
  if (item.kind === "pong") return [{ kind: "pong" }];
  const out: Inbound[] = [];
  const n = item.parts.length;
  for (let i = 0; i < n - 1; i++) if (between[i]) out.push(...expected(between[i]!, []));
  if (item.kind === "text") out.push({ kind: "text", data: item.parts.join("") });
  else out.push({ kind: "binary", data: concat(item.parts as Uint8Array[]) });
  return out;
}

Deno.test("fuzz: a valid frame sequence decodes to the RFC's reading however it is split", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.oneof(message, control), fc.array(control, { maxLength: 5 })), {
        maxLength: 12,
      }),
      fc.array(fc.nat(), { maxLength: 40 }),
      (stream, cuts) => {
        const bytes = concat(stream.flatMap(([item, between]) => encodeItem(item, between)));
        const want = stream.flatMap(([item, between]) => expected(item, between));
        const got = decode(split(bytes, cuts));
        assert.deepEqual(got.out, want);
        assert.equal(got.held, 0, "nothing held once every message is complete");
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("fuzz: empty and tiny fragments are charged: the account ends an endless message", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 64 }), (len, per) => {
      const account = new ConnectionAccount(LIMIT);
      const d = new FrameDecoder(MAX, account);
      const fragment = clientFrame(0, new Uint8Array(len), { fin: false });
      const burst = concat(Array.from({ length: per }, () => fragment));
      let out = d.push(clientFrame(OPCODE.text, "a", { fin: false }));
      for (let i = 0; i < 100_000 && out.length === 0; i++) out = d.push(burst);
      assert.equal(out.at(-1)?.kind, "violation");
      assert.equal((out.at(-1) as { code: number }).code, 1009);
      assert.ok(account.peak <= LIMIT);
      assert.equal(account.held, 0, "released at the violation");
    }),
    { numRuns: 30 },
  );
});
