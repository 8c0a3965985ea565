/**
 * The one claim lapse rule (PROTOCOL.md §3.1, v1.1): a claim holds while
 * `now < until` and lapses at its `until` exactly, with no event. The server
 * (`src/claims/lease.ts`, and through it the store and the snapshot), the
 * SDK (`web/sdk/pending_feed.ts`) and the page (`web/page/claims.ts`) all
 * ask this function; the SQL of `src/store/` spells the same boundary
 * (`until_at > now` holds, `until_at <= now` lapsed), pinned by the
 * conformance suite (`tests/store/claim_cases.ts`). Pure: no clock.
 * @module
 */

/**
 * Whether a claim that ends at `untilMs` still holds at `now`.
 * @param untilMs the claim's `until` (ms since the epoch; NaN never holds)
 * @param now the moment asked (ms since the epoch, on the server's clock)
 * @returns true while `now < untilMs`; false from `untilMs` on
 */
export function claimHolds(untilMs: number, now: number): boolean {
  return now < untilMs;
}
