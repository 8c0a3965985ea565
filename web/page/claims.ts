/**
 * Claims as the page keeps them: who holds which card until when (server
 * time), fed by `SNAPSHOT` items and `claimed`/`released` events, and the
 * pure rules for showing them, timing their lapse and renewing one's own.
 * @module
 */
import { claimHolds } from "../../src/protocol/claim_lapse.ts";

/** A live claim on a card. */
export interface Claim {
  /** The holder. */
  readonly by: string;
  /** When it lapses unless renewed (server time, ms since epoch). */
  readonly until: number;
}

/**
 * Reads a claim from the wire (`claimed_by`/`claim_until` or `by`/`until`).
 * @param by the holder, or null/undefined for none
 * @param until the ISO-8601 lapse time
 * @returns the claim, or null when there is none or the time does not parse
 */
export function parseClaim(by: unknown, until: unknown): Claim | null {
  if (typeof by !== "string" || by === "" || typeof until !== "string") return null;
  const ms = Date.parse(until);
  return Number.isFinite(ms) ? { by, until: ms } : null;
}

/**
 * Whether a claim still holds at a moment (`claimHolds`, the one lapse rule).
 * @param claim the claim or null
 * @param now server time (ms)
 * @returns true while it has not lapsed
 */
export function isLive(claim: Claim | null, now: number): claim is Claim {
  return claim !== null && claimHolds(claim.until, now);
}

/**
 * Time left as people read it: `1:05`, `0:09`.
 * @param ms milliseconds left (negative counts as none)
 * @returns minutes and seconds, rounded up to the second
 */
export function formatLeft(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${minutes}:${String(seconds).padStart(2, "0")}`;
}

/** What a card shows about its claim. */
export type ClaimView =
  | { readonly kind: "free" }
  | { readonly kind: "mine"; readonly by: string; readonly text: string; readonly here: boolean }
  | { readonly kind: "theirs"; readonly by: string; readonly text: string };

/**
 * What a card shows for its claim at a moment.
 * @param claim the card's claim, or null
 * @param now server time (ms)
 * @param me the user of this page
 * @param editingHere whether this page holds the editor open
 * @returns free, mine (this user holds it) or theirs (another user: the card is locked)
 */
export function claimView(
  claim: Claim | null,
  now: number,
  me: string | null,
  editingHere: boolean,
): ClaimView {
  if (!isLive(claim, now)) return { kind: "free" };
  const left = formatLeft(claim.until - now);
  if (claim.by === me) {
    const where = editingHere ? "You are editing" : "You are editing this in another window";
    return { kind: "mine", by: claim.by, text: `${where} — ${left} left`, here: editingHere };
  }
  return { kind: "theirs", by: claim.by, text: `${claim.by} is editing — ${left} left` };
}

/** The least time before the lease ends at which a renewal is sent (ms). */
export const RENEW_MARGIN_MS = 2_000;

/**
 * When to renew one's own claim: halfway through what is left of the lease,
 * and never later than `RENEW_MARGIN_MS` before its end, so one lost or late
 * reply still leaves time for another try.
 * @param until the claim's end (server time, ms)
 * @param now server time (ms)
 * @returns the delay before renewing (ms, ≥ 0)
 */
export function renewDelay(until: number, now: number): number {
  const left = until - now;
  return Math.max(0, Math.min(left / 2, left - RENEW_MARGIN_MS));
}

/** The claims on the cards of the page, by response id. */
export class ClaimTable {
  readonly #claims = new Map<number, Claim>();

  /**
   * Sets or clears the claim of a card.
   * @param id the response id
   * @param claim the claim, or null when released
   */
  set(id: number, claim: Claim | null): void {
    if (claim) this.#claims.set(id, claim);
    else this.#claims.delete(id);
  }

  /**
   * The claim of a card.
   * @param id the response id
   * @returns the claim as last heard (possibly lapsed), or null
   */
  get(id: number): Claim | null {
    return this.#claims.get(id) ?? null;
  }

  /**
   * Forgets claims that lapsed.
   * @param now server time (ms)
   * @returns the ids whose claim just lapsed
   */
  expire(now: number): number[] {
    const lapsed: number[] = [];
    for (const [id, claim] of this.#claims) {
      if (!isLive(claim, now)) {
        this.#claims.delete(id);
        lapsed.push(id);
      }
    }
    return lapsed;
  }

  /** The ids with a claim. */
  ids(): number[] {
    return [...this.#claims.keys()];
  }

  /** Forgets every claim (before a `SNAPSHOT` replaces them). */
  clear(): void {
    this.#claims.clear();
  }
}
