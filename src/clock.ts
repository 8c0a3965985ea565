/**
 * Time as a seam: code that waits or measures takes a `Clock`, so tests drive
 * heartbeat, backoff and retention with fake time instead of sleeping.
 * @module
 */

/** A timer handle, whatever the runtime's timer functions return. */
export type TimerHandle = ReturnType<typeof setTimeout>;

/** A source of time and timers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Like `setInterval`; returns a handle for `clearInterval`. */
  setInterval(fn: () => void, ms: number): TimerHandle;
  /** Like `clearInterval`. */
  clearInterval(handle: TimerHandle): void;
  /** Like `setTimeout`. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Like `clearTimeout`. */
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h),
};
