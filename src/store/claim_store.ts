/**
 * The claims' slice of the store (v1.1): taking, renewing and ending a claim
 * with its event, and reading the claims on some responses.
 * @module
 */
import type { Claim } from "../claims/lease.ts";
import type { ResponseId, Seq } from "../protocol/types.ts";
import type { AppendResult, ClaimRefusal } from "./rows.ts";

/** A `CLAIM` to record. */
export interface ClaimRequest {
  /** The response to claim. */
  readonly responseId: ResponseId;
  /** The claiming user (`sub` of the token). */
  readonly by: string;
  /** The server's time of the command: claims lapsed before it may be taken over. */
  readonly at: Date;
  /** When the claim lapses unless renewed (`at` + `CLAIM_LEASE_MS`). */
  readonly until: Date;
  /**
   * (v1.2) `CLAIM_MAX_PER_USER`: a new claim (not a renewal) is refused when
   * the user already holds this many live claims. Absent: no cap.
   */
  readonly maxPerUser?: number;
}

/** (v1.2) A renewal in the first half of the lease: nothing changed, nothing appended. */
export interface ClaimUnchanged {
  /** Always `current`. */
  readonly kind: "current";
  /** The `seq` of the `claimed` event that took or last renewed the claim. */
  readonly seq: Seq;
  /** The holder (the caller). */
  readonly holder: string;
  /** When the claim lapses, as it stands. */
  readonly until: Date;
}

/** (v1.2) The user already holds `maxPerUser` live claims (ERROR `too_many_claims`). */
export interface TooManyClaims {
  /** Always `too_many_claims`. */
  readonly kind: "too_many_claims";
  /** The cap that was reached. */
  readonly limit: number;
}

/** What a claim came to: the `claimed` event, or why not. */
export type ClaimResult =
  | Extract<AppendResult, { kind: "appended" | "not_found" | "not_pending" }>
  | ClaimRefusal
  | ClaimUnchanged
  | TooManyClaims;

/** A `RELEASE` to record. */
export interface ReleaseRequest {
  /** The response whose claim ends. */
  readonly responseId: ResponseId;
  /** The releasing user. */
  readonly by: string;
  /** An admin may end anyone's claim. */
  readonly admin: boolean;
  /** The server's time of the command: a lapsed claim is no claim. */
  readonly at: Date;
}

/** What a release came to: the `released` event, nothing to release, or refused. */
export type ReleaseResult =
  | Extract<AppendResult, { kind: "appended" | "not_found" }>
  | { readonly kind: "not_held" }
  | ClaimRefusal;

/** A stored claim with the response it is on. */
export interface StoredClaim extends Claim {
  /** The response the claim is on. */
  readonly responseId: ResponseId;
}

/** The `ws_claims` rows and their events. */
export interface ClaimStore {
  /**
   * Takes or renews a claim and appends its `claimed` event in one
   * transaction. One conditional upsert settles races: the claim goes to the
   * caller when nobody holds it, its claim lapsed before `at`, or the caller
   * holds it already (a renewal, with a new `until` and a new event).
   * (v1.2) A renewal in the first half of its lease (`at` before the held
   * `until` minus half of `until - at`) changes nothing and answers
   * `current`; a new claim by a user who already holds `maxPerUser` live
   * claims answers `too_many_claims` (the count is taken under the log's
   * head lock, which every append takes anyway, so racing claims cannot pass
   * the cap together).
   */
  claim(request: ClaimRequest): Promise<ClaimResult>;

  /**
   * Ends a live claim of the caller (an admin: anyone's) and appends its
   * `released` event in one transaction, with a conditional delete whose row
   * count decides; `not_held` when the caller holds no live claim on it.
   */
  release(request: ReleaseRequest): Promise<ReleaseResult>;

  /** The stored claims (lapsed ones included) on the given responses. */
  claimsOf(ids: readonly ResponseId[]): Promise<StoredClaim[]>;
}
