/**
 * The arithmetic of claims (PROTOCOL.md §3.1, §3.3 v1.1): a claim lasts
 * `CLAIM_LEASE_MS` from the `CLAIM` that took or renewed it, and lapses at
 * its `until` with no event; who holds a response is whoever's claim is
 * still live at the moment asked. Pure: the time is always an argument, so
 * lapse and renewal are tested with a fake clock.
 * @module
 */
import { claimHolds } from "../protocol/claim_lapse.ts";

/** A claim as stored: who holds it and until when. */
export interface Claim {
  /** The holder (`sub` of their token). */
  readonly holder: string;
  /** When it lapses unless renewed. */
  readonly until: Date;
}

/**
 * When a claim taken or renewed at `now` lapses.
 * @param now the time of the `CLAIM` (ms since the epoch)
 * @param leaseMs `CLAIM_LEASE_MS`
 * @returns the claim's `until`
 * @throws {RangeError} when the lease is not a positive integer
 */
export function leaseUntil(now: number, leaseMs: number): Date {
  if (!Number.isSafeInteger(leaseMs) || leaseMs <= 0) {
    throw new RangeError(`lease must be a positive integer of ms, got ${leaseMs}`);
  }
  return new Date(now + leaseMs);
}

/**
 * Whether a claim still holds at `now`: it lapses at `until` exactly
 * (`claimHolds`, the one lapse rule).
 * @param claim the claim, or null
 * @param now ms since the epoch
 * @returns true while `now < until`
 */
export function isLive(claim: Claim | null, now: number): claim is Claim {
  return claim !== null && claimHolds(claim.until.getTime(), now);
}

/**
 * The claim that holds at `now`, or null (none, or lapsed).
 * @param claim the stored claim, or null
 * @param now ms since the epoch
 * @returns the live claim, or null
 */
export function liveClaim(claim: Claim | null, now: number): Claim | null {
  return isLive(claim, now) ? claim : null;
}

/**
 * Whether `user` may act on a response (decide it, or claim it) at `now`:
 * nobody else holds a live claim on it.
 * @param claim the stored claim, or null
 * @param user the acting user
 * @param now ms since the epoch
 * @returns true when free, lapsed, or held by `user`
 */
export function mayAct(claim: Claim | null, user: string, now: number): boolean {
  return !isLive(claim, now) || claim.holder === user;
}

/**
 * (v1.2) Whether the holder's renewal at `now` changes nothing: it comes in
 * the first half of the lease, i.e. before `until - leaseMs / 2`. From the
 * midpoint on, a renewal extends the claim by a full lease (a new event), so
 * a claim costs the log at most two events per lease however often it is
 * renewed.
 * @param claim the holder's live claim
 * @param now ms since the epoch
 * @param leaseMs `CLAIM_LEASE_MS`
 * @returns true in the first half of the lease
 */
export function renewalChangesNothing(claim: Claim, now: number, leaseMs: number): boolean {
  return now < claim.until.getTime() - leaseMs / 2;
}

/**
 * Whether `user` may end a claim: an admin may end anyone's live claim, an
 * operator only their own.
 * @param claim the stored claim, or null
 * @param user the releasing user
 * @param admin whether the user has the `admin` role
 * @param now ms since the epoch
 * @returns `release` (a live claim the user may end), `none` (no live claim
 *   by the user to end: a duplicate), or `refused` (another's live claim)
 */
export function releaseVerdict(
  claim: Claim | null,
  user: string,
  admin: boolean,
  now: number,
): "release" | "none" | "refused" {
  if (!isLive(claim, now)) return "none";
  if (claim.holder === user || admin) return "release";
  return "refused";
}
