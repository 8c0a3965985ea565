/**
 * Time as a seam for the client: heartbeat, watchdog, backoff and request
 * timeouts all go through a `Timers`, so tests use fake time, never sleeps.
 * @module
 */

/** An opaque timer handle (a number in browsers and Deno, an object in Node). */
export type TimerHandle = unknown;

/** A source of time and timers. */
export interface Timers {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Like `setTimeout`. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Like `clearTimeout`. */
  clearTimeout(handle: TimerHandle): void;
  /** Like `setInterval`. */
  setInterval(fn: () => void, ms: number): TimerHandle;
  /** Like `clearInterval`. */
  clearInterval(handle: TimerHandle): void;
}

/** The runtime's own timers. */
export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as number),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as number),
};
