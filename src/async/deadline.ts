/**
 * Waiting with a bound, on an injected `Clock`: `deadline` rejects when work
 * takes too long, `settleWithin` waits for work at most so long and never
 * fails, `delay` waits. The one place timers are raced against promises, so
 * each such wait clears its timer and tests drive it with fake time.
 * @module
 */
import { type Clock, systemClock, type TimerHandle } from "../clock.ts";

/** Work did not finish within its deadline. */
export class DeadlineError extends Error {
  /**
   * The error of work that took too long.
   * @param message what did not finish in time
   */
  constructor(message: string) {
    super(message);
    this.name = "DeadlineError";
  }
}

/**
 * `work`'s result, or a rejection once `ms` have passed without one.
 * @param work the work
 * @param ms the most it may take
 * @param timeout the error to reject with (default: a `DeadlineError`)
 * @param clock time (the system's by default)
 * @returns what `work` resolves to
 * @throws {DeadlineError} (or `timeout()`) when `ms` pass first; whatever `work` rejects with
 */
export function deadline<T>(
  work: Promise<T>,
  ms: number,
  timeout: () => Error = () => new DeadlineError(`did not finish within ${ms} ms`),
  clock: Clock = systemClock,
): Promise<T> {
  let timer: TimerHandle | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => reject(timeout()), ms);
  });
  return Promise.race([work, late]).finally(() => {
    if (timer !== undefined) clock.clearTimeout(timer);
  });
}

/**
 * Waits until `work` settles, or at most `ms`; never rejects (for shutdowns,
 * where each step gets its time and the next runs regardless).
 * @param work the work
 * @param ms the most to wait
 * @param clock time (the system's by default)
 */
export async function settleWithin(
  work: Promise<unknown>,
  ms: number,
  clock: Clock = systemClock,
): Promise<void> {
  await deadline(work, ms, undefined, clock).catch(() => {});
}

/**
 * Resolves after `ms`.
 * @param ms the wait
 * @param clock time (the system's by default)
 */
export function delay(ms: number, clock: Clock = systemClock): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}
