/**
 * The outcome of fetching a post's text from VK or Telegram: a value, never a
 * thrown error, so a remote failure cannot lose the response being reviewed.
 * @module
 */

/** Why a post's text could not be fetched. */
export const FETCH_FAILURE_REASONS = [
  "no_token",
  "bad_url",
  "timeout",
  "http_error",
  "api_error",
  "not_found",
  "parse_error",
  "network",
] as const;

/** One reason from `FETCH_FAILURE_REASONS`. */
export type FetchFailureReason = typeof FETCH_FAILURE_REASONS[number];

/** A fetch that worked: `text` may be empty for a post without text (photo only). */
export interface FetchSuccess {
  /** Always `true`. */
  readonly ok: true;
  /** The post's text. */
  readonly text: string;
}

/** A fetch that failed, with a reason for code and a detail for people (never a secret). */
export interface FetchFailure {
  /** Always `false`. */
  readonly ok: false;
  /** Why, as a code to branch on. */
  readonly reason: FetchFailureReason;
  /** What went wrong, for the log (never a token). */
  readonly detail: string;
}

/** What fetching a post's text came to. */
export type FetchResult = FetchSuccess | FetchFailure;

/**
 * Builds a success.
 * @param text the post's text
 * @returns the result
 */
export const fetched = (text: string): FetchSuccess => ({ ok: true, text });

/**
 * Builds a failure.
 * @param reason why it failed
 * @param detail what happened, for logs
 * @returns the result
 */
export const failed = (reason: FetchFailureReason, detail: string): FetchFailure => ({
  ok: false,
  reason,
  detail,
});
