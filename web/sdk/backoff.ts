/**
 * Reconnect delays: exponential backoff with full jitter (as in centrifuge-js
 * and the AWS architecture blog), so that clients dropped together by one
 * server restart do not come back together.
 * @module
 */

/** Bounds of the backoff. */
export interface BackoffOptions {
  /** Ceiling of the first delay (ms): the first try comes within this. */
  readonly baseMs: number;
  /** Largest ceiling of any delay (ms). */
  readonly capMs: number;
}

/** The contract's bounds (PROTOCOL.md §4): first try within 1 s, cap 30 s. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, capMs: 30_000 };

/**
 * The ceiling of the delay before the given attempt: `min(cap, base · 2^attempt)`.
 * @param attempt 0 for the first retry after a good connection
 * @param opts the bounds
 * @returns the ceiling (ms)
 */
export function backoffCeiling(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF): number {
  // Clamp the exponent so 2 ** attempt never overflows to Infinity.
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 40);
  return Math.min(opts.capMs, opts.baseMs * 2 ** exponent);
}

/**
 * A full-jitter delay: uniform in `[0, ceiling)`.
 * @param attempt 0 for the first retry after a good connection
 * @param random a source of uniform numbers in `[0, 1)` (injected for tests)
 * @param opts the bounds
 * @returns the delay (ms), an integer
 */
export function backoffDelay(
  attempt: number,
  random: () => number = Math.random,
  opts: BackoffOptions = DEFAULT_BACKOFF,
): number {
  const r = Math.min(Math.max(random(), 0), 1 - Number.EPSILON);
  return Math.floor(r * backoffCeiling(attempt, opts));
}
