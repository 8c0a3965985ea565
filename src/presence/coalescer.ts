/**
 * Sends at most once per interval: the first change goes out at once, later
 * ones wait for the interval to pass and then go out together, as the state
 * is then. Time comes from a `Clock`, so it is tested with fake time.
 * @module
 */
import type { Clock, TimerHandle } from "../clock.ts";

/** Runs `flush` at most once per `intervalMs`, and soon after every `poke`. */
export class Coalescer {
  readonly #clock: Clock;
  #intervalMs: number;
  readonly #flush: () => void;
  #last = -Infinity;
  #timer: TimerHandle | null = null;
  /** When the waiting flush runs (ms, the clock's time); meaningful while `#timer` is set. */
  #dueAt = 0;

  /**
   * Creates a coalescer that calls `flush` at most once per interval.
   * @param clock the time source
   * @param intervalMs the shortest time between two flushes
   * @param flush what to run
   */
  constructor(clock: Clock, intervalMs: number, flush: () => void) {
    this.#clock = clock;
    this.#intervalMs = intervalMs;
    this.#flush = flush;
  }

  /** Something changed: flush now, or once the interval since the last flush has passed. */
  poke(): void {
    if (this.#timer !== null) return;
    const wait = this.#last + this.#intervalMs - this.#clock.now();
    if (wait <= 0) return this.#run();
    this.#dueAt = this.#clock.now() + wait;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      this.#run();
    }, wait);
  }

  /**
   * Whether a flush is waiting and runs within `ms` from now.
   * @param ms how soon
   * @returns true when one will run by then
   */
  dueWithin(ms: number): boolean {
    return this.#timer !== null && this.#dueAt - this.#clock.now() <= ms;
  }

  /** The shortest time between two flushes now (ms). */
  get intervalMs(): number {
    return this.#intervalMs;
  }

  /**
   * Changes the shortest time between two flushes, from the next one on
   * (e.g. longer while each flush is costly).
   * @param ms the interval
   */
  set intervalMs(ms: number) {
    this.#intervalMs = ms;
  }

  /** Drops a waiting flush. */
  stop(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #run(): void {
    this.#last = this.#clock.now();
    this.#flush();
  }
}
