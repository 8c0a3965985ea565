/**
 * `WaitBudget`: one bound on the sum of several waits. A command that asks
 * the database four times must still answer within `DB_TIMEOUT_MS` in all
 * (PROTOCOL.md §2, `/readyz`): each wait gets what the earlier ones left,
 * and once nothing is left the next wait fails without starting. Time spent
 * between the waits (fetching a post's text) is not charged.
 * @module
 */
import { type Clock, systemClock } from "../clock.ts";
import { deadline } from "./deadline.ts";

/** A budget of waiting time shared by a sequence of waits. */
export class WaitBudget {
  #leftMs: number;
  readonly #exhausted: (what: string) => Error;
  readonly #clock: Clock;

  /**
   * A budget of `ms` in all.
   * @param ms the most all waits together may take
   * @param exhausted the error of a wait that ran out of budget (named by `what`)
   * @param clock time (the system's by default)
   */
  constructor(ms: number, exhausted: (what: string) => Error, clock: Clock = systemClock) {
    this.#leftMs = ms;
    this.#exhausted = exhausted;
    this.#clock = clock;
  }

  /** What is left (ms), never below 0. */
  get leftMs(): number {
    return Math.max(0, this.#leftMs);
  }

  /**
   * Runs one wait within what is left of the budget, and charges its time.
   * @param what the wait, for the error
   * @param work starts the wait (not started when nothing is left)
   * @returns what the wait resolves to
   * @throws {Error} `exhausted(what)` when the budget runs out first; whatever `work` rejects with
   */
  async spend<T>(what: string, work: () => Promise<T>): Promise<T> {
    if (this.#leftMs <= 0) throw this.#exhausted(what);
    if (this.#leftMs === Infinity) return await work();
    const started = this.#clock.now();
    try {
      return await deadline(work(), this.#leftMs, () => this.#exhausted(what), this.#clock);
    } finally {
      this.#leftMs -= this.#clock.now() - started;
    }
  }
}
