/**
 * What one user, and everyone together, may make `GET /api/history` cost
 * (issue 13, rows H5/M1): at most `perUser` searches of a user at once, at
 * most `rate` a second on average (bursts of `burst`), and at most
 * `maxInFlight` of the process at once, so the history pool (or worker)
 * never holds a queue longer than its time limit can drain. A request past
 * any of them is refused at once (`429 rate_limited`), never queued.
 * @module
 */
import { RateLimiter } from "../connection/rate_limit.ts";

/** The limits. */
export interface HistoryLimits {
  /** Searches one user may have running at once. */
  readonly perUser: number;
  /** Searches one user may start per second, on average. */
  readonly ratePerSec: number;
  /** Searches one user may start at once after a pause. */
  readonly burst: number;
  /** Searches the process runs at once, all users together. */
  readonly maxInFlight: number;
}

/** The defaults: paging by hand never meets them; a script looping searches does. */
export const DEFAULT_HISTORY_LIMITS: HistoryLimits = {
  perUser: 2,
  ratePerSec: 10,
  burst: 50,
  maxInFlight: 8,
};

/** Why a search was refused. */
export type HistoryRefusal = "per_user" | "rate" | "in_flight";

/** A running search's place: give it back with `release()` when it ends. */
export interface HistoryPermit {
  /** Ends the search's hold on the limits (idempotent). */
  release(): void;
}

/** Admits or refuses history searches. */
export class HistoryLimiter {
  readonly #limits: HistoryLimits;
  readonly #rates: RateLimiter;
  readonly #running = new Map<string, number>();
  #inFlight = 0;

  /**
   * Creates a limiter.
   * @param limits the limits
   */
  constructor(limits: HistoryLimits = DEFAULT_HISTORY_LIMITS) {
    this.#limits = limits;
    this.#rates = new RateLimiter(limits.ratePerSec, limits.burst);
  }

  /** Searches running now, all users together. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Admits a search by `user` at `now`, or says why not.
   * @param user the token's `sub`
   * @param now ms since the epoch
   * @returns a permit, or the refusal
   */
  admit(user: string, now: number): HistoryPermit | HistoryRefusal {
    const running = this.#running.get(user) ?? 0;
    if (running >= this.#limits.perUser) return "per_user";
    if (this.#inFlight >= this.#limits.maxInFlight) return "in_flight";
    if (!this.#rates.take(user, now)) return "rate";
    this.#running.set(user, running + 1);
    this.#inFlight++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#inFlight--;
        const left = (this.#running.get(user) ?? 1) - 1;
        if (left <= 0) this.#running.delete(user);
        else this.#running.set(user, left);
      },
    };
  }
}
