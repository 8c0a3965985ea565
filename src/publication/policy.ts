/**
 * The pipeline's settings and arithmetic (PROTOCOL.md §3.4, §7): the undo
 * window, the lease, and the retry backoff. Pure: every time is an
 * argument, so the rules are tested without a clock.
 * @module
 */

/** `UNDO_WINDOW_MS`, `PUBLISH_LEASE_MS`, `PUBLISH_RETRY_BASE_MS`, `PUBLISH_MAX_ATTEMPTS`. */
export interface PublicationSettings {
  /** How long a decision can be undone (0: no window). */
  readonly undoWindowMs: number;
  /** How long a module holds a job. */
  readonly leaseMs: number;
  /** The first wait after a retryable failure. */
  readonly retryBaseMs: number;
  /** Attempts before a publication is `failed`. */
  readonly maxAttempts: number;
}

/** The contract's defaults. */
export const DEFAULT_PUBLICATION_SETTINGS: PublicationSettings = Object.freeze({
  undoWindowMs: 10_000,
  leaseMs: 60_000,
  retryBaseMs: 30_000,
  maxAttempts: 5,
});

/** The longest wait between attempts the backoff gives (30 minutes). */
export const MAX_RETRY_WAIT_MS = 30 * 60_000;

/**
 * The wait before the next attempt after attempt `attempt` failed:
 * `retryAfterMs` when the platform named one, else `base × 4^(attempt−1)`,
 * at most 30 minutes.
 * @param attempt the attempt that failed (from 1)
 * @param baseMs `PUBLISH_RETRY_BASE_MS`
 * @param retryAfterMs the platform's own wait, if any
 * @returns the wait in ms
 */
export function retryWaitMs(attempt: number, baseMs: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  return Math.min(baseMs * 4 ** exponent, MAX_RETRY_WAIT_MS);
}

/**
 * When the next attempt is due after a retryable failure.
 * @param at the failure's time (ms since the epoch)
 * @param attempt the attempt that failed
 * @param settings the pipeline's settings
 * @param retryAfterMs the platform's own wait, if any
 * @returns the due time
 */
export function retryDueAt(
  at: number,
  attempt: number,
  settings: PublicationSettings,
  retryAfterMs?: number,
): Date {
  return new Date(at + retryWaitMs(attempt, settings.retryBaseMs, retryAfterMs));
}

/** The reason of the `publish_failed` event when a lease lapses on the last attempt. */
export const LEASE_LAPSED_REASON = "lease lapsed with no report";
