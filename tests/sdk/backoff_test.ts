import assert from "node:assert/strict";
import { backoffCeiling, backoffDelay, DEFAULT_BACKOFF } from "../../web/sdk/backoff.ts";

Deno.test("backoff ceiling doubles from 1 s and stops at 30 s", () => {
  const ceilings = Array.from({ length: 8 }, (_, i) => backoffCeiling(i));
  assert.deepEqual(ceilings, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  assert.equal(backoffCeiling(10_000), DEFAULT_BACKOFF.capMs);
});

Deno.test("full jitter stays in [0, ceiling) for the extremes of the random source", () => {
  for (let attempt = 0; attempt < 50; attempt++) {
    const low = backoffDelay(attempt, () => 0);
    const high = backoffDelay(attempt, () => 0.999999999);
    const one = backoffDelay(attempt, () => 1); // a misbehaving source is clamped
    assert.equal(low, 0);
    assert.ok(high < backoffCeiling(attempt) && high >= backoffCeiling(attempt) - 1);
    assert.ok(one < backoffCeiling(attempt));
  }
});

Deno.test("the first retry comes within 1 s and no retry waits more than 30 s", () => {
  let seed = 7;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let i = 0; i < 1000; i++) {
    assert.ok(backoffDelay(0, random) < 1000);
    const later = backoffDelay(i % 40, random);
    assert.ok(later >= 0 && later < 30_000, `delay ${later}`);
  }
});
