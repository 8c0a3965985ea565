/**
 * `PerSecondCount`: how many times something happened in the current second,
 * a window that starts at the first event after the last one ended. Used to
 * tell a storm of hellos (presence lists and snapshots built more than a few
 * times a second) from ordinary traffic. Time is passed in.
 * @module
 */

/**
 * Builds per second (of a `PRESENCE` list, of a `SNAPSHOT`) past which the
 * hellos arriving are a storm, and welcomes may share what was just built.
 */
export const STORM_BUILDS_PER_SECOND = 20;

/** Counts events in fixed one-second windows. */
export class PerSecondCount {
  #start = -Infinity;
  #n = 0;

  /**
   * Counts one event.
   * @param now the time (ms)
   */
  add(now: number): void {
    this.#roll(now);
    this.#n++;
  }

  /**
   * The events counted in the window that holds `now` (0 once it has ended).
   * @param now the time (ms)
   * @returns the count
   */
  count(now: number): number {
    this.#roll(now);
    return this.#n;
  }

  #roll(now: number): void {
    if (now - this.#start >= 1000) {
      this.#start = now;
      this.#n = 0;
    }
  }
}
