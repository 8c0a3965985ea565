/** Histogram arithmetic: merge, difference of two readings, quantiles as PromQL estimates them. */
import assert from "node:assert/strict";
import {
  type Buckets,
  bucketsSince,
  emptyBuckets,
  mergeBuckets,
  quantile,
} from "../../src/dashboard/histogram.ts";

const LE = [0.01, 0.1, 1];
const h = (counts: number[], count: number, sum = 0): Buckets => ({ le: LE, counts, count, sum });

Deno.test("quantile interpolates within the bucket holding the rank, as histogram_quantile", () => {
  // 10 observations: 4 ≤ 10 ms, 6 more ≤ 100 ms.
  const x = h([4, 10, 10], 10);
  assert.equal(quantile(0.4, x), 0.01);
  assert.ok(Math.abs(quantile(0.5, x)! - (0.01 + 0.09 * (1 / 6))) < 1e-12);
  assert.equal(quantile(1, x), 0.1);
  assert.equal(quantile(0.2, x), 0.005, "the first bucket starts at 0");
});

Deno.test("quantile: none without observations; past the last bound is that bound", () => {
  assert.equal(quantile(0.5, emptyBuckets(LE)), null);
  assert.equal(quantile(0.99, h([0, 0, 1], 10)), 1, "9 of 10 above 1 s");
  assert.throws(() => quantile(1.5, h([1, 1, 1], 1)), RangeError);
  assert.throws(() => quantile(Number.NaN, h([1, 1, 1], 1)), RangeError);
});

Deno.test("mergeBuckets adds histograms of the same bounds and skips others", () => {
  const merged = mergeBuckets([
    h([1, 2, 3], 3, 0.5),
    h([0, 1, 1], 2, 2),
    { le: [5], counts: [9], count: 9, sum: 9 },
  ]);
  assert.deepEqual(merged, { le: LE, counts: [1, 3, 4], count: 5, sum: 2.5 });
  assert.deepEqual(mergeBuckets([]), emptyBuckets([]));
});

Deno.test("bucketsSince: the observations between readings; a restart counts from zero", () => {
  assert.deepEqual(bucketsSince(h([1, 2, 2], 3, 1), h([1, 5, 6], 7, 4)), h([0, 3, 4], 4, 3));
  const restarted = h([0, 1, 1], 1, 0.05);
  assert.deepEqual(bucketsSince(h([5, 5, 5], 5, 1), restarted), restarted);
});
