import assert from "node:assert/strict";
import {
  DEFAULT_PUBLICATION_SETTINGS,
  MAX_RETRY_WAIT_MS,
  retryDueAt,
  retryWaitMs,
} from "../../src/publication/policy.ts";

Deno.test("backoff: base × 4^(attempt−1), at most 30 minutes; the platform's wait wins", () => {
  const table: [attempt: number, base: number, after: number | undefined, wait: number][] = [
    [1, 30_000, undefined, 30_000],
    [2, 30_000, undefined, 120_000],
    [3, 30_000, undefined, 480_000],
    [4, 30_000, undefined, 1_800_000], // 1 920 000 capped
    [50, 30_000, undefined, MAX_RETRY_WAIT_MS],
    [1, 200, undefined, 200],
    [3, 200, undefined, 3200],
    [2, 30_000, 0, 0],
    [2, 30_000, 86_400_000, 86_400_000],
  ];
  for (const [attempt, base, after, wait] of table) {
    assert.equal(retryWaitMs(attempt, base, after), wait, `attempt ${attempt}, base ${base}`);
  }
  assert.equal(
    retryDueAt(1000, 2, DEFAULT_PUBLICATION_SETTINGS).getTime(),
    1000 + 120_000,
  );
});

Deno.test("the contract's defaults", () => {
  assert.deepEqual(DEFAULT_PUBLICATION_SETTINGS, {
    undoWindowMs: 10_000,
    leaseMs: 60_000,
    retryBaseMs: 30_000,
    maxAttempts: 5,
  });
});
