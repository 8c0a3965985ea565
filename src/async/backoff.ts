/**
 * The server's one backoff formula: a delay that doubles from `baseMs` with
 * each failure in a row, capped at `capMs`. (The SDK's reconnects use full
 * jitter on top of the same doubling: web/sdk/backoff.ts.)
 * @module
 */

/**
 * The delay after `failures` failures in a row.
 * @param failures failures so far (0: the first retry)
 * @param baseMs the first delay
 * @param capMs the longest delay
 * @returns `min(capMs, baseMs × 2^failures)`
 */
export function exponentialDelay(failures: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.min(Math.max(failures, 0), 30));
}
