/**
 * `ChargedBuffer`: bytes appended as they arrive, in one buffer that grows
 * geometrically (so a peer sending one byte per segment costs amortised O(1)
 * copying per byte, never a copy of everything per read), charged to the
 * connection's account by its capacity, the memory it really takes.
 * @module
 */
import type { ConnectionAccount } from "./account.ts";

const MIN_CAPACITY = 256;

/** A growable byte buffer whose capacity is charged to an account. */
export class ChargedBuffer {
  readonly #account: ConnectionAccount;
  #buf = new Uint8Array(0);
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
   * @returns false (nothing appended) when the account cannot take the growth
   */
  append(bytes: Uint8Array): boolean {
    if (bytes.length === 0) return true;
    if (this.#end + bytes.length > this.#buf.length) {
      const needed = this.length + bytes.length;
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
    this.#buf.set(bytes, this.#end);
    this.#end += bytes.length;
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
    this.#buf = new Uint8Array(0);
    this.#start = 0;
    this.#end = 0;
  }
}
