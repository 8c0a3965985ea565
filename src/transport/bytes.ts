/**
 * Byte helpers the transport's codecs share.
 * @module
 */

/**
 * Two byte runs as one new array (neither is kept).
 * @param a the first
 * @param b the second, after it
 * @returns a new array of `a.length + b.length` bytes
 */
export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
