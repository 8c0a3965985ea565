/**
 * Builds client frames byte by byte for the transport's tests (masked, as a
 * client must send them), including the broken ones a hostile peer sends.
 * @module
 */

/** Options of a client frame. */
export interface ClientFrameOptions {
  readonly fin?: boolean;
  readonly masked?: boolean;
  readonly rsv?: number;
  /** Claim this payload length in the header (for frames that lie). */
  readonly declaredLength?: number;
}

/**
 * A client frame.
 * @param opcode the opcode
 * @param payload the payload (a string is UTF-8 encoded)
 * @param o fin, mask, reserved bits
 * @returns the frame's bytes
 */
export function clientFrame(
  opcode: number,
  payload: Uint8Array | string,
  o: ClientFrameOptions = {},
): Uint8Array {
  const data = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  const len = o.declaredLength ?? data.length;
  const masked = o.masked ?? true;
  const head: number[] = [((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | opcode];
  const maskBit = masked ? 0x80 : 0;
  if (len < 126) head.push(maskBit | len);
  else if (len < 65536) head.push(maskBit | 126, len >> 8, len & 0xff);
  else {
    head.push(maskBit | 127);
    const high = Math.floor(len / 2 ** 32);
    head.push(high >>> 24, (high >>> 16) & 0xff, (high >>> 8) & 0xff, high & 0xff);
    head.push(len >>> 24, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
  }
  const mask = [0x12, 0x34, 0x56, 0x78];
  if (masked) head.push(...mask);
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  for (let i = 0; i < data.length; i++) {
    out[head.length + i] = masked ? data[i]! ^ mask[i & 3]! : data[i]!;
  }
  return out;
}

/** Concatenates byte arrays. */
export function bytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
