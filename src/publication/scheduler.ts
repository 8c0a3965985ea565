/**
 * `PublicationScheduler`: the one time-driven part of the pipeline
 * (PROTOCOL.md §3.4). On every server process it ticks on the injected
 * clock (at most every `tickMs` ≤ 1 s) and asks the store to move what is
 * due — undo windows that passed become `queued` (attempt 1), leases that
 * lapsed become `queued` with the next attempt and `maybe_applied` (or
 * `failed` after the last attempt). The store's conditional updates make
 * each step happen once across processes, and since the due times are in
 * the database, windows and leases that passed while every process was
 * down are moved by the first tick after a start. There are no timers per
 * response: `wakeAt` only brings the next tick forward.
 * @module
 */
import type { Clock, TimerHandle } from "../clock.ts";
import type { EventFanout } from "../fanout/event_fanout.ts";
import type { Logger } from "../logging/logger.ts";
import type { PublicationObserver, SchedulerWaker } from "./deps.ts";
import { LEASE_LAPSED_REASON, type PublicationSettings } from "./policy.ts";
import type { PublicationStore } from "./store_types.ts";

/** Options of a `PublicationScheduler`. */
export interface SchedulerOptions {
  /** Where the due rows are moved. */
  readonly store: PublicationStore;
  /** Time. */
  readonly clock: Clock;
  /** Where failed steps are reported. */
  readonly logger: Logger;
  /** Where the appended events go. */
  readonly fanout: EventFanout;
  /** Counts lapsed leases and final failures. */
  readonly observer: PublicationObserver;
  /** `PUBLISH_MAX_ATTEMPTS` and the rest. */
  readonly settings: PublicationSettings;
  /** The longest time between steps (ms, at most 1000); default 500. */
  readonly tickMs?: number;
  /** Most rows one step moves; default 100 (a full batch is followed by another step at once). */
  readonly batch?: number;
}

/** Moves due windows and lapsed leases, on whichever process gets there first. */
export class PublicationScheduler implements SchedulerWaker {
  readonly #o: SchedulerOptions;
  #interval: TimerHandle | null = null;
  #wake: { at: number; handle: TimerHandle } | null = null;
  #running: Promise<void> | null = null;
  #again = false;

  /**
   * A scheduler; nothing runs until `start`.
   * @param options the store, clock, fan-out and policy
   * @throws {RangeError} when `tickMs` is not in 1…1000
   */
  constructor(options: SchedulerOptions) {
    const tick = options.tickMs ?? 500;
    if (!Number.isSafeInteger(tick) || tick < 1 || tick > 1000) {
      throw new RangeError(`tickMs must be an integer in 1…1000, got ${tick}`);
    }
    this.#o = options;
  }

  /** Starts ticking, with a step at once (for what passed while the process was down). */
  start(): void {
    if (this.#interval !== null) return;
    this.#interval = this.#o.clock.setInterval(() => void this.step(), this.#o.tickMs ?? 500);
    void this.step();
  }

  /** Stops ticking; a step under way finishes. @returns when it has */
  async stop(): Promise<void> {
    const { clock } = this.#o;
    if (this.#interval !== null) clock.clearInterval(this.#interval);
    this.#interval = null;
    if (this.#wake !== null) clock.clearTimeout(this.#wake.handle);
    this.#wake = null;
    await this.#running;
  }

  /**
   * Brings the next step forward to `ms` when that is before the next tick
   * would come (one pending wake-up at a time: the earliest).
   * @param ms when (ms since the epoch)
   */
  wakeAt(ms: number): void {
    if (this.#interval === null) return;
    if (this.#wake !== null && this.#wake.at <= ms) return;
    const { clock } = this.#o;
    if (this.#wake !== null) clock.clearTimeout(this.#wake.handle);
    const handle = clock.setTimeout(() => {
      this.#wake = null;
      void this.step();
    }, Math.max(0, ms - clock.now()));
    this.#wake = { at: ms, handle };
  }

  /**
   * Moves what is due now; a call while a step runs makes one more step after it.
   * @returns when the steps are done (never rejects: failures are logged)
   */
  step(): Promise<void> {
    if (this.#running !== null) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#loop().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #loop(): Promise<void> {
    const { store, clock, logger, fanout, observer, settings } = this.#o;
    const batch = this.#o.batch ?? 100;
    do {
      this.#again = false;
      try {
        const result = await store.advancePublications({
          at: new Date(clock.now()),
          maxAttempts: settings.maxAttempts,
          limit: batch,
        });
        for (const event of result.events) {
          fanout.publish(event);
          if (event.kind === "publish_failed") observer.failed(LEASE_LAPSED_REASON, true);
        }
        observer.lapsed(result.lapsed);
        if (result.events.length + result.settled >= batch) this.#again = true;
      } catch (error) {
        // The next tick tries again; the due rows wait in the database.
        logger.warn("publication step failed", { error });
        return;
      }
    } while (this.#again && this.#interval !== null);
  }
}
