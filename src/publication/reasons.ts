/**
 * Failure reasons come from modules as free text; `/metrics` counts them by
 * a fixed set of buckets, never a label per distinct string (which a
 * module, or a platform's error text, could grow without bound).
 * @module
 */

/** The buckets of `ws_publication_failures_total{reason}`. */
export const FAILURE_BUCKETS = [
  "rate_limited",
  "timeout",
  "auth",
  "not_found",
  "network",
  "server_error",
  "lease_lapsed",
  "other",
] as const;
/** One bucket. */
export type FailureBucket = typeof FAILURE_BUCKETS[number];

const RULES: readonly (readonly [FailureBucket, RegExp])[] = [
  ["lease_lapsed", /lease lapsed/i],
  ["rate_limited", /\b429\b|rate.?limit|too many requests|flood/i],
  ["timeout", /time.?out|timed out|deadline/i],
  ["auth", /\b40[13]\b|unauthori[sz]ed|forbidden|access denied|token|permission/i],
  ["not_found", /\b404\b|not found|deleted|no such/i],
  ["network", /network|connect|ECONN|dns|socket|reset|refused|unreachable/i],
  ["server_error", /\b5\d\d\b|server error|unavailable|internal/i],
];

/**
 * The bucket of a failure's reason.
 * @param reason the module's text (≤ 1024 characters)
 * @returns one of `FAILURE_BUCKETS`
 */
export function failureBucket(reason: string): FailureBucket {
  const text = reason.slice(0, 1024);
  for (const [bucket, pattern] of RULES) if (pattern.test(text)) return bucket;
  return "other";
}
