/**
 * When the supervisor starts a worker again after it died: at once the first
 * time, then after an exponentially growing delay while it keeps dying soon
 * after its start (capped, so a worker whose database is gone for an hour is
 * retried every `maxDelayMs`), and at once again after it has run for
 * `stableMs` (a crash after a day of service is not a crash loop).
 * Pure: the supervisor passes the times in.
 * @module
 */
import { exponentialDelay } from "../async/backoff.ts";

/** The policy's settings. */
export interface RestartPolicyOptions {
  /** The delay after the second death in a row, ms; doubling from there. */
  readonly baseDelayMs: number;
  /** The longest delay, ms. */
  readonly maxDelayMs: number;
  /** A worker that ran this long before dying starts again at once, ms. */
  readonly stableMs: number;
}

/** The supervisor's defaults: 0, 250 ms, 500 ms, … 10 s; reset after 30 s of service. */
export const DEFAULT_RESTART_POLICY: RestartPolicyOptions = {
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  stableMs: 30_000,
};

/** The restart delays of one worker slot. */
export class RestartPolicy {
  readonly #options: RestartPolicyOptions;
  /** Deaths in a row, each soon after its start. */
  #failures = 0;

  /**
   * A policy with no failures yet.
   * @param options the settings
   */
  constructor(options: RestartPolicyOptions = DEFAULT_RESTART_POLICY) {
    this.#options = options;
  }

  /** Deaths in a row counted so far. */
  get failures(): number {
    return this.#failures;
  }

  /**
   * Records a death and says how long to wait before the next start.
   * @param ranMs how long the worker had run
   * @returns the delay, ms
   */
  died(ranMs: number): number {
    if (ranMs >= this.#options.stableMs) this.#failures = 0;
    this.#failures++;
    if (this.#failures === 1) return 0;
    const { baseDelayMs, maxDelayMs } = this.#options;
    return exponentialDelay(this.#failures - 2, baseDelayMs, maxDelayMs);
  }
}
