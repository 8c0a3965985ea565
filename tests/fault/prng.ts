/**
 * A seeded pseudo-random generator (mulberry32), so a fault run can be
 * replayed from the seed it prints: the same choices of processes, delays,
 * decisions and fault order (timing on a shared machine still varies).
 * @module
 */

/** Uniform choices from one seed. */
export class Prng {
  #state: number;

  /** @param seed any 32-bit integer */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("pick from an empty array");
    // next() is in [0, 1), so the index is within the non-empty array.
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** A shuffled copy. */
  shuffle<T>(items: readonly T[]): T[] {
    const a = [...items];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [a[i], a[j]] = [a[j] as T, a[i] as T]; // j ≤ i < a.length
    }
    return a;
  }

  /** A new generator seeded from this one (one per client, so clients do not share a stream). */
  fork(): Prng {
    return new Prng(Math.floor(this.next() * 4294967296));
  }
}
