/**
 * Splits a byte stream into lines without decoding it, so the supervisor can
 * relay a worker's line to the others as the very bytes it read. A line
 * longer than the limit is dropped whole (counted by the caller through
 * `onOversize`) rather than buffered without bound.
 * @module
 */

const NEWLINE = 0x0a;

/** Options of `readLines`. */
export interface ReadLinesOptions {
  /** The longest line kept, in bytes; longer ones are skipped up to their newline. */
  readonly maxLineBytes: number;
  /** Called once per skipped line. */
  readonly onOversize?: () => void;
}

/**
 * Reads `stream` to its end, calling `onLine` with each line (without its
 * newline; a last line without one is delivered too).
 * @param stream the bytes
 * @param onLine receives each line; the array is the caller's to keep
 * @param options the line limit
 * @returns resolves at the end of the stream, rejects when reading fails
 */
export async function readLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: Uint8Array) => void,
  options: ReadLinesOptions,
): Promise<void> {
  let parts: Uint8Array[] = [];
  let size = 0;
  let skipping = false;
  const flush = (tail: Uint8Array) => {
    if (skipping) {
      skipping = false;
    } else if (size + tail.length > options.maxLineBytes) {
      options.onOversize?.();
    } else {
      onLine(join(parts, size, tail));
    }
    parts = [];
    size = 0;
  };
  for await (const chunk of stream) {
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end < 0) break;
      flush(chunk.subarray(start, end));
      start = end + 1;
    }
    if (start < chunk.length && !skipping) {
      const rest = chunk.slice(start);
      if (size + rest.length > options.maxLineBytes) {
        options.onOversize?.();
        skipping = true;
        parts = [];
        size = 0;
      } else {
        parts.push(rest);
        size += rest.length;
      }
    }
  }
  if (size > 0 && !skipping) onLine(join(parts, size, new Uint8Array(0)));
}

function join(parts: Uint8Array[], size: number, tail: Uint8Array): Uint8Array {
  if (parts.length === 0) return tail.slice();
  const out = new Uint8Array(size + tail.length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  out.set(tail, at);
  return out;
}
