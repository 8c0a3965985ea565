/**
 * RFC 6455 framing, apart from any I/O: `FrameDecoder` takes the bytes a
 * client sent and yields whole messages and control frames, enforcing the
 * payload limit at each frame's header (a frame over the limit is refused
 * before one byte of its payload is kept) and across fragments; `encodeFrame`
 * builds the unmasked frames a server sends. Tested bytes in, frames out, as
 * ws's `receiver.test.js` does.
 *
 * What it keeps (an incomplete frame, the fragments of a message, each
 * fragment charged `FRAGMENT_OVERHEAD_BYTES` besides its bytes so empty ones
 * are not free) is charged to the connection's account: a charge refused is a
 * 1009. Incoming close codes are checked as RFC 6455 §7.4 and ws's receiver
 * do: a code no endpoint may send is a 1002.
 * @module
 */
import { accountLimit, ConnectionAccount, FRAGMENT_OVERHEAD_BYTES } from "./account.ts";
import { ChargedBuffer } from "./charged_buffer.ts";
import { CLOSE } from "../protocol/codes.ts";
import { LOCAL_CLOSE_CODES } from "../protocol/close_codes.ts";
import { concatBytes } from "./bytes.ts";

/** Frame opcodes (RFC 6455 §5.2). */
export const OPCODE = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

/** What the decoder found in the bytes it was given. */
export type Inbound =
  | { readonly kind: "text"; readonly data: string }
  | { readonly kind: "binary"; readonly data: Uint8Array }
  | { readonly kind: "ping"; readonly payload: Uint8Array }
  | { readonly kind: "pong" }
  | { readonly kind: "close"; readonly code: number; readonly reason: string }
  /** The peer broke the protocol: close with `code` and read no further. */
  | { readonly kind: "violation"; readonly code: 1002 | 1007 | 1009; readonly reason: string };

const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/**
 * Whether a peer may send this close code (RFC 6455 §7.4.1–2, as ws's
 * `isValidStatusCode`): 1000–1003 and 1007–1014, and 3000–4999 for
 * libraries and applications; 1004–1006 and 1015 are never sent, the rest
 * below 3000 is reserved, above 4999 undefined.
 * @param code the code from a close frame's payload
 * @returns whether it is allowed on the wire
 */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999);
}

/** Decodes the frames of one connection; what it keeps is charged to the connection's account. */
export class FrameDecoder {
  readonly #maxPayload: number;
  readonly #account: ConnectionAccount;
  /** An incomplete frame carried over from the previous chunk: `#carryLen` bytes of `#carry`. */
  #carry = new Uint8Array(0);
  #carryLen = 0;
  /** Set by `#frame` when it returns 0: bytes from the frame's start it needs to go on. */
  #need = 0;
  /** Payloads of a fragmented message so far, in one buffer. */
  readonly #fragments: ChargedBuffer;
  #fragmentCount = 0;
  #fragmentOpcode: number | null = null;
  #failed = false;
  #frames = 0;

  /**
   * Creates a decoder for one connection's incoming frames.
   * @param maxPayload the largest message accepted, in bytes (else 1009)
   * @param account what held bytes are charged to (default: one of its own, of `accountLimit(maxPayload)`)
   */
  constructor(maxPayload: number, account?: ConnectionAccount) {
    this.#maxPayload = maxPayload;
    this.#account = account ?? new ConnectionAccount(accountLimit(maxPayload));
    this.#fragments = new ChargedBuffer(this.#account);
  }

  /** Bytes held for incomplete frames and messages (for tests and bounds). */
  get heldBytes(): number {
    return this.#carry.length + this.#fragments.capacity +
      this.#fragmentCount * FRAGMENT_OVERHEAD_BYTES;
  }

  /** Frames decoded so far, of every kind (fragments and control frames included). */
  get frames(): number {
    return this.#frames;
  }

  /**
   * Takes the next bytes from the peer. The chunk may be reused by the caller
   * afterwards: whatever is kept is copied, each byte at most twice.
   * @param chunk bytes as read
   * @returns what they completed, in order; after a `violation` nothing more
   */
  push(chunk: Uint8Array): Inbound[] {
    const out: Inbound[] = [];
    if (this.#failed) return out;
    let at = 0;
    // First finish the frame carried over: fill it to what it needs, never past its end.
    while (this.#carryLen > 0) {
      const take = Math.min(this.#carry.length - this.#carryLen, chunk.length - at);
      this.#carry.set(chunk.subarray(at, at + take), this.#carryLen);
      this.#carryLen += take;
      at += take;
      if (this.#carryLen < this.#carry.length) return out;
      const used = this.#frame(this.#carry, 0, out);
      if (this.#failed) return out;
      if (used === 0) {
        if (!this.#grow(this.#need)) return this.#overLimit(out);
      } else this.#dropCarry();
    }
    while (at < chunk.length) {
      const used = this.#frame(chunk, at, out);
      if (this.#failed) return out;
      if (used === 0) {
        if (!this.#account.charge(this.#need)) return this.#overLimit(out);
        this.#carry = new Uint8Array(this.#need);
        this.#carry.set(chunk.subarray(at));
        this.#carryLen = chunk.length - at;
        break;
      }
      at += used;
    }
    return out;
  }

  #grow(size: number): boolean {
    if (!this.#account.charge(size - this.#carry.length)) return false;
    const bigger = new Uint8Array(size);
    bigger.set(this.#carry.subarray(0, this.#carryLen));
    this.#carry = bigger;
    return true;
  }

  #dropCarry(): void {
    this.#account.release(this.#carry.length);
    this.#carry = new Uint8Array(0);
    this.#carryLen = 0;
  }

  #overLimit(out: Inbound[]): Inbound[] {
    this.#fail(out, CLOSE.tooBig, "over the connection's limit");
    return out;
  }

  /** Decodes one frame at `at`; returns the bytes it used, 0 when it is incomplete. */
  #frame(b: Uint8Array, at: number, out: Inbound[]): number {
    const avail = b.length - at;
    if (avail < 2) return this.#incomplete(2);
    const b0 = b[at]!, b1 = b[at + 1]!;
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    if ((b0 & 0x70) !== 0) return this.#fail(out, CLOSE.protocolError, "reserved bits set");
    if ((b1 & 0x80) === 0) {
      return this.#fail(out, CLOSE.protocolError, "client frames must be masked");
    }
    let len = b1 & 0x7f;
    let head = 2;
    if (len === 126) {
      if (avail < 4) return this.#incomplete(4);
      len = (b[at + 2]! << 8) | b[at + 3]!;
      head = 4;
    } else if (len === 127) {
      if (avail < 10) return this.#incomplete(10);
      len = readLength64(b, at + 2);
      head = 10;
    }
    const control = opcode >= 0x8;
    if (control) {
      if (!fin) return this.#fail(out, CLOSE.protocolError, "fragmented control frame");
      if (len > 125) return this.#fail(out, CLOSE.protocolError, "control frame over 125 bytes");
      if (opcode !== OPCODE.close && opcode !== OPCODE.ping && opcode !== OPCODE.pong) {
        return this.#fail(out, CLOSE.protocolError, `unknown opcode ${opcode}`);
      }
    } else if (opcode === OPCODE.continuation) {
      if (this.#fragmentOpcode === null) {
        return this.#fail(out, CLOSE.protocolError, "continuation without start");
      }
    } else if (opcode === OPCODE.text || opcode === OPCODE.binary) {
      if (this.#fragmentOpcode !== null) {
        return this.#fail(out, CLOSE.protocolError, "message interleaved");
      }
    } else return this.#fail(out, CLOSE.protocolError, `unknown opcode ${opcode}`);
    // The limit is checked at the header: nothing of an oversized payload is kept.
    if (!control && this.#fragments.length + len > this.#maxPayload) {
      return this.#fail(out, CLOSE.tooBig, `message over ${this.#maxPayload} bytes`);
    }
    const total = head + 4 + len;
    if (avail < total) return this.#incomplete(total);
    const maskAt = at + head;
    const payload = unmask(b, maskAt + 4, len, b.subarray(maskAt, maskAt + 4));
    this.#frames++;
    if (control) this.#control(opcode, payload, out);
    else this.#data(opcode, fin, payload, out);
    return this.#failed ? 0 : total;
  }

  #incomplete(need: number): 0 {
    this.#need = need;
    return 0;
  }

  #data(opcode: number, fin: boolean, payload: Uint8Array, out: Inbound[]): void {
    if (!fin) {
      if (opcode !== OPCODE.continuation) this.#fragmentOpcode = opcode;
      if (!this.#account.charge(FRAGMENT_OVERHEAD_BYTES) || !this.#fragments.append(payload)) {
        this.#overLimit(out);
        return;
      }
      this.#fragmentCount++;
      return;
    }
    let whole = payload;
    let kind = opcode;
    if (opcode === OPCODE.continuation) {
      whole = concatBytes(this.#fragments.view(), payload);
      kind = this.#fragmentOpcode!;
      this.#dropFragments();
    }
    if (kind === OPCODE.binary) {
      out.push({ kind: "binary", data: whole });
      return;
    }
    try {
      out.push({ kind: "text", data: utf8.decode(whole) });
    } catch {
      this.#fail(out, CLOSE.notUtf8, "text frame is not UTF-8");
    }
  }

  #control(opcode: number, payload: Uint8Array, out: Inbound[]): void {
    if (opcode === OPCODE.ping) out.push({ kind: "ping", payload });
    else if (opcode === OPCODE.pong) out.push({ kind: "pong" });
    else {
      if (payload.length === 1) {
        this.#fail(out, CLOSE.protocolError, "close payload of one byte");
        return;
      }
      const code = payload.length >= 2
        ? (payload[0]! << 8) | payload[1]!
        : LOCAL_CLOSE_CODES.noStatus;
      if (payload.length >= 2 && !isValidCloseCode(code)) {
        this.#fail(out, CLOSE.protocolError, `invalid close code ${code}`);
        return;
      }
      let reason = "";
      try {
        reason = utf8.decode(payload.subarray(2));
      } catch {
        this.#fail(out, CLOSE.notUtf8, "close reason is not UTF-8");
        return;
      }
      out.push({ kind: "close", code, reason });
    }
  }

  #dropFragments(): void {
    this.#fragments.reset();
    this.#account.release(this.#fragmentCount * FRAGMENT_OVERHEAD_BYTES);
    this.#fragmentCount = 0;
    this.#fragmentOpcode = null;
  }

  #fail(out: Inbound[], code: 1002 | 1007 | 1009, reason: string): number {
    this.#failed = true;
    this.#dropCarry();
    this.#dropFragments();
    out.push({ kind: "violation", code, reason });
    return 0;
  }
}

function readLength64(b: Uint8Array, at: number): number {
  const high = ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  const low = ((b[at + 4]! << 24) | (b[at + 5]! << 16) | (b[at + 6]! << 8) | b[at + 7]!) >>> 0;
  // Lengths past 2^53 are absurd; they are over any limit either way.
  return high * 2 ** 32 + low;
}

function unmask(b: Uint8Array, from: number, len: number, mask: Uint8Array): Uint8Array {
  const out = new Uint8Array(len);
  const m0 = mask[0]!, m1 = mask[1]!, m2 = mask[2]!, m3 = mask[3]!;
  let i = 0;
  for (; i + 3 < len; i += 4) {
    out[i] = b[from + i]! ^ m0;
    out[i + 1] = b[from + i + 1]! ^ m1;
    out[i + 2] = b[from + i + 2]! ^ m2;
    out[i + 3] = b[from + i + 3]! ^ m3;
  }
  for (; i < len; i++) out[i] = b[from + i]! ^ mask[i & 3]!;
  return out;
}

/**
 * The header of an unmasked frame (servers never mask) of `length` payload bytes.
 * @param opcode the frame's opcode
 * @param length its payload's length
 * @param fin whether it is the last frame of its message
 * @returns the header's 2, 4 or 10 bytes
 */
export function frameHeader(opcode: number, length: number, fin = true): Uint8Array {
  const head = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const out = new Uint8Array(head);
  writeHeader(out, opcode, length, fin);
  return out;
}

function writeHeader(out: Uint8Array, opcode: number, len: number, fin: boolean): number {
  const head = len < 126 ? 2 : len < 65536 ? 4 : 10;
  out[0] = (fin ? 0x80 : 0) | opcode;
  if (head === 2) out[1] = len;
  else if (head === 4) {
    out[1] = 126;
    out[2] = len >>> 8;
    out[3] = len & 0xff;
  } else {
    out[1] = 127;
    const high = Math.floor(len / 2 ** 32);
    out[2] = high >>> 24;
    out[3] = (high >>> 16) & 0xff;
    out[4] = (high >>> 8) & 0xff;
    out[5] = high & 0xff;
    out[6] = len >>> 24;
    out[7] = (len >>> 16) & 0xff;
    out[8] = (len >>> 8) & 0xff;
    out[9] = len & 0xff;
  }
  return head;
}

/**
 * Builds one unmasked frame (servers never mask), final unless `fin` is false.
 * @param opcode the frame's opcode
 * @param payload its payload
 * @param fin whether it is the last frame of its message
 * @returns header and payload in one buffer
 */
export function encodeFrame(opcode: number, payload: Uint8Array, fin = true): Uint8Array {
  const len = payload.length;
  const out = new Uint8Array((len < 126 ? 2 : len < 65536 ? 4 : 10) + len);
  out.set(payload, writeHeader(out, opcode, len, fin));
  return out;
}

let lastText: string | null = null;
let lastFrame: Uint8Array | null = null;

/**
 * A text frame. The last one built is remembered, so a fan-out that sends the
 * same string to every client encodes it once; the bytes are never mutated.
 * @param text the message
 * @returns the frame's bytes (shared; do not modify)
 */
export function textFrame(text: string): Uint8Array {
  if (text === lastText && lastFrame !== null) return lastFrame;
  const frame = encodeFrame(OPCODE.text, encoder.encode(text));
  lastText = text;
  lastFrame = frame;
  return frame;
}

/**
 * A close frame.
 * @param code the close code
 * @param reason a reason, cut to fit the 125-byte control payload
 * @returns the frame's bytes
 */
export function closeFrame(code: number, reason: string): Uint8Array {
  let r = encoder.encode(reason);
  if (r.length > 123) r = encoder.encode(truncateUtf8(reason, 123));
  const payload = new Uint8Array(2 + r.length);
  payload[0] = code >>> 8;
  payload[1] = code & 0xff;
  payload.set(r, 2);
  return encodeFrame(OPCODE.close, payload);
}

function truncateUtf8(text: string, maxBytes: number): string {
  let out = "";
  let bytes = 0;
  for (const ch of text) {
    const n = encoder.encode(ch).length;
    if (bytes + n > maxBytes) break;
    out += ch;
    bytes += n;
  }
  return out;
}
