/**
 * Pure arithmetic on cumulative histograms (Prometheus buckets): merge the
 * histograms of several processes, take the difference of two readings (the
 * observations in between), and estimate a quantile the way PromQL's
 * `histogram_quantile` does. No runtime API: the dashboard page bundles it too.
 * @module
 */

/** Cumulative counts per upper bound, as `Metrics.histogram` gives them. */
export interface Buckets {
  /** Upper bounds, ascending, without `+Inf`. */
  readonly le: readonly number[];
  /** Cumulative count at each bound of `le`. */
  readonly counts: readonly number[];
  /** Every observation (the `+Inf` bucket). */
  readonly count: number;
  /** The sum of every observation. */
  readonly sum: number;
}

/** A histogram with no observations on the given bounds. */
export function emptyBuckets(le: readonly number[]): Buckets {
  return { le: [...le], counts: le.map(() => 0), count: 0, sum: 0 };
}

/**
 * Adds histograms with the same bounds (those with other bounds are skipped).
 * @param all the histograms
 * @returns their sum, or an empty histogram on the first one's bounds
 */
export function mergeBuckets(all: readonly Buckets[]): Buckets {
  const first = all[0];
  if (first === undefined) return emptyBuckets([]);
  const le = first.le;
  const counts = le.map(() => 0);
  let count = 0;
  let sum = 0;
  for (const h of all) {
    if (h.le.length !== le.length || h.le.some((b, i) => b !== le[i])) continue;
    h.counts.forEach((c, i) => counts[i] = (counts[i] ?? 0) + c);
    count += h.count;
    sum += h.sum;
  }
  return { le: [...le], counts, count, sum };
}

/**
 * The observations between two readings of one histogram. A reading lower
 * than the one before (the process restarted) counts from zero, as PromQL's
 * `rate` does.
 * @param before the earlier reading
 * @param after the later reading
 * @returns the difference
 */
export function bucketsSince(before: Buckets, after: Buckets): Buckets {
  const sameBounds = before.le.length === after.le.length &&
    before.le.every((b, i) => b === after.le[i]);
  if (!sameBounds || after.count < before.count) return after;
  return {
    le: [...after.le],
    counts: after.counts.map((c, i) => Math.max(0, c - (before.counts[i] ?? 0))),
    count: after.count - before.count,
    sum: Math.max(0, after.sum - before.sum),
  };
}

/**
 * Estimates a quantile by linear interpolation within the bucket holding it;
 * one that falls past the last finite bound is that bound.
 * @param q the quantile, 0…1
 * @param h the histogram
 * @returns the estimate, or null without observations
 * @throws {RangeError} when q is outside 0…1
 */
export function quantile(q: number, h: Buckets): number | null {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is outside 0…1`);
  if (h.count <= 0) return null;
  const rank = q * h.count;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [i, upper] of h.le.entries()) {
    const cumulative = h.counts[i] ?? 0;
    if (cumulative >= rank && cumulative > lowerCount) {
      return lowerBound + (upper - lowerBound) * ((rank - lowerCount) / (cumulative - lowerCount));
    }
    lowerBound = upper;
    lowerCount = cumulative;
  }
  return h.le.at(-1) ?? null;
}
