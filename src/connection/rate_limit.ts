/**
 * A token bucket: `rate` tokens a second up to `burst`. Time is passed in,
 * so it is tested without clocks.
 * @module
 */

/** Admits at most `burst` at once and `rate` per second on average. */
export class TokenBucket {
  #tokens: number;
  #last: number;

  /**
   * Creates a full bucket.
   * @param rate tokens added per second
   * @param burst the bucket's size
   * @param now the current time (ms)
   */
  constructor(readonly rate: number, readonly burst: number, now: number) {
    this.#tokens = burst;
    this.#last = now;
  }

  /**
   * Takes one token if there is one.
   * @param now the current time (ms)
   * @returns whether a token was taken
   */
  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.#last) / 1000;
    this.#last = now;
    this.#tokens = Math.min(this.burst, this.#tokens + elapsed * this.rate);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** Keyed token buckets (e.g. per module for `POST /api/sr`), bounded in size. */
export class RateLimiter {
  readonly #buckets = new Map<string, TokenBucket>();

  /**
   * Creates a limiter with one bucket per key.
   * @param rate tokens per second per key
   * @param burst bucket size
   * @param maxKeys most keys kept (oldest forgotten first)
   */
  constructor(readonly rate: number, readonly burst: number, readonly maxKeys = 10_000) {}

  /**
   * Takes one token for `key`.
   * @param key who asks
   * @param now the current time (ms)
   * @returns whether it is allowed
   */
  take(key: string, now: number): boolean {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= this.maxKeys) {
        this.#buckets.delete(this.#buckets.keys().next().value!);
      }
      bucket = new TokenBucket(this.rate, this.burst, now);
      this.#buckets.set(key, bucket);
    }
    return bucket.take(now);
  }
}
