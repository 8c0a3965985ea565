/**
 * What each client may receive of `PRESENCE`, in bytes (v1.2, issue 13 row
 * M6): a bucket of `rate` bytes a second, holding at most one second's
 * worth. A frame goes out when the client's bucket holds its size;
 * otherwise it waits, and what goes out later is the list as it is then
 * (the last state always arrives). Time is passed in, so it is tested
 * without clocks.
 * @module
 */

interface Bucket {
  bytes: number;
  at: number;
}

/** Per-client byte allowances, forgotten with their clients. */
export class PresenceBudget {
  readonly #rate: number;
  readonly #buckets = new WeakMap<object, Bucket>();

  /**
   * Creates the allowances.
   * @param bytesPerSecond what a client may receive per second (and at once)
   */
  constructor(bytesPerSecond: number) {
    if (!(bytesPerSecond > 0)) throw new RangeError("bytesPerSecond must be positive");
    this.#rate = bytesPerSecond;
  }

  #fill(client: object, now: number): Bucket {
    let b = this.#buckets.get(client);
    if (b === undefined) {
      b = { bytes: this.#rate, at: now };
      this.#buckets.set(client, b);
    }
    b.bytes = Math.min(this.#rate, b.bytes + (Math.max(0, now - b.at) * this.#rate) / 1000);
    b.at = now;
    return b;
  }

  /**
   * Charges a frame to a client if its allowance holds it.
   * @param client the client
   * @param bytes the frame's size
   * @param now ms since the epoch
   * @returns 0 when charged (send it now), else the ms until it would fit
   */
  take(client: object, bytes: number, now: number): number {
    const b = this.#fill(client, now);
    // A frame larger than the allowance (never built: see cap.ts) goes when the bucket is full.
    if (b.bytes >= Math.min(bytes, this.#rate)) {
      b.bytes -= bytes;
      return 0;
    }
    const need = Math.min(bytes, this.#rate) - b.bytes;
    return Math.max(1, Math.ceil((need * 1000) / this.#rate));
  }
}
