/**
 * `Slot`: a part that exists only while the process is up (the broker, the
 * presence service). The start-up fills it, the shutdown empties it, and the
 * parts that use it ask it for the current one: a named holder instead of a
 * getter closed over a mutable variable.
 * @module
 */

/** What a user of a slot may ask: the part now, or null while there is none. */
export interface SlotReader<T> {
  /**
   * The part now.
   * @returns it, or null before start-up filled the slot or after it was emptied
   */
  readonly current: () => T | null;
}

/** Holds one part that comes and goes with the process's start-up. */
export class Slot<T> implements SlotReader<T> {
  #part: T | null = null;

  /**
   * The part now (a bound method, so it can be handed on as a reader).
   * @returns it, or null while the slot is empty
   */
  readonly current = (): T | null => this.#part;

  /**
   * Puts a part in the slot.
   * @param part the part that now serves
   */
  fill(part: T): void {
    this.#part = part;
  }

  /**
   * Empties the slot.
   * @returns the part it held, or null
   */
  take(): T | null {
    const part = this.#part;
    this.#part = null;
    return part;
  }
}
