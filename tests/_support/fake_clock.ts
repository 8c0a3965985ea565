/**
 * The one fake time of the tests, for the server (`Clock`) and the SDK
 * (`Timers`) alike: time moves only when the test says so, and timers fire
 * in order as it moves.
 * @module
 */
import type { Clock, TimerHandle } from "../../src/clock.ts";

interface Timer {
  id: number;
  at: number;
  every: number | null;
  fn: () => void;
}

/** A clock whose time the test advances. */
export class FakeClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, Timer>();

  /** @param start the initial time (ms since the epoch) */
  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  /** The current fake time. */
  now(): number {
    return this.#now;
  }

  /** Schedules a repeating timer. */
  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms, ms);
  }

  /** Cancels a repeating timer. */
  clearInterval(handle: TimerHandle): void {
    this.#timers.delete(handle as unknown as number);
  }

  /** Schedules a one-shot timer. */
  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms, null);
  }

  /** Cancels a one-shot timer. */
  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as unknown as number);
  }

  /** How many timers are scheduled. */
  get pending(): number {
    return this.#timers.size;
  }

  /** How many timers are scheduled (the SDK tests' name). */
  get pendingCount(): number {
    return this.#timers.size;
  }

  /**
   * Moves time forward, firing due timers in order.
   * @param ms how far
   */
  tick(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: Timer | null = null;
      for (const t of this.#timers.values()) if (t.at <= end && (!next || t.at < next.at)) next = t;
      if (!next) break;
      this.#now = next.at;
      if (next.every === null) this.#timers.delete(next.id);
      else next.at += next.every;
      next.fn();
    }
    this.#now = end;
  }

  #add(fn: () => void, ms: number, every: number | null): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, {
      id,
      // A timeout of 0 fires on the next tick, even tick(0); an interval repeats at least each ms.
      at: this.#now + (every === null ? Math.max(0, ms) : Math.max(1, ms)),
      every: every === null ? null : Math.max(1, every),
      fn,
    });
    return id as unknown as TimerHandle;
  }
}
