/**
 * `ChargedBuffer`: bytes appended as they arrive, in one buffer that grows
 * geometrically (so a peer sending one byte per segment costs amortised O(1)
 * copying per byte, never a copy of everything per read), charged to the
 * connection's account by its capacity, the memory it really takes.
 * @module
 */
import type { ConnectionAccount } from "./account.ts";

const MIN_CAPACITY = 256;
/** Up to this many bytes, `append` copies byte by byte rather than through a subarray. */
const COPY_LOOP_BYTES = 256;
/** No capacity: shared by every emptied buffer (it has no byte to write), not one allocated per reset. */
const EMPTY = new Uint8Array(0);

/** A growable byte buffer whose capacity is charged to an account. */
export class ChargedBuffer {
  readonly #account: ConnectionAccount;
  #buf = EMPTY;
  #start = 0;
  #end = 0;

  /**
   * Creates an empty buffer (no capacity charged yet).
   * @param account what its capacity is charged to
   */
  constructor(account: ConnectionAccount) {
    this.#account = account;
  }

  /** Bytes held. */
  get length(): number {
    return this.#end - this.#start;
  }

  /** Bytes of capacity charged. */
  get capacity(): number {
    return this.#buf.length;
  }

  /**
   * The held bytes (a view: valid until the next append or consume).
   * @returns the bytes
   */
  view(): Uint8Array {
    return this.#buf.subarray(this.#start, this.#end);
  }

  /**
   * Appends bytes, growing the buffer if needed.
   * @param bytes what to append (copied)
   * @param count how many of `bytes` (default: all), so a read chunk needs no view of its own
   * @returns false (nothing appended) when the account cannot take the growth
   */
  append(bytes: Uint8Array, count: number = bytes.length): boolean {
    if (count === 0) return true;
    if (this.#end + count > this.#buf.length) {
      const needed = this.length + count;
      if (needed <= this.#buf.length && this.#start > 0) {
        // Room enough once what was consumed is dropped.
        this.#buf.copyWithin(0, this.#start, this.#end);
      } else {
        let size = Math.max(MIN_CAPACITY, this.#buf.length);
        while (size < needed) size *= 2;
        if (!this.#account.charge(size - this.#buf.length)) return false;
        const bigger = new Uint8Array(size);
        bigger.set(this.view());
        this.#buf = bigger;
      }
      this.#end -= this.#start;
      this.#start = 0;
    }
    if (count === bytes.length) {
      this.#buf.set(bytes, this.#end);
    } else if (count <= COPY_LOOP_BYTES) {
      // A request's few dozen bytes: copied without a view of `bytes` to copy from.
      for (let i = 0; i < count; i++) this.#buf[this.#end + i] = bytes[i]!;
    } else {
      this.#buf.set(bytes.subarray(0, count), this.#end);
    }
    this.#end += count;
    return true;
  }

  /**
   * Drops the first `n` held bytes; when nothing is left the capacity is given back.
   * @param n how many bytes were used
   */
  consume(n: number): void {
    this.#start = Math.min(this.#end, this.#start + n);
    if (this.#start === this.#end) this.reset();
  }

  /** Drops everything and gives the capacity back to the account. */
  reset(): void {
    this.#account.release(this.#buf.length);
    this.#buf = EMPTY;
    this.#start = 0;
    this.#end = 0;
  }
}
