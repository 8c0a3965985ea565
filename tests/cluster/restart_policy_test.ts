/** `RestartPolicy`: at once, then doubling while a worker keeps dying young, capped, reset by service. */
import assert from "node:assert/strict";
import { DEFAULT_RESTART_POLICY, RestartPolicy } from "../../src/cluster/restart_policy.ts";

Deno.test("RestartPolicy: 0, 250, 500, … capped at 10 s while deaths come soon after starts", () => {
  const p = new RestartPolicy();
  const delays = Array.from({ length: 10 }, () => p.died(100));
  assert.deepEqual(delays, [0, 250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
  assert.equal(p.failures, 10);
  for (let i = 0; i < 100; i++) assert.ok(p.died(0) <= DEFAULT_RESTART_POLICY.maxDelayMs);
});

Deno.test("RestartPolicy: a worker that served for stableMs starts again at once", () => {
  const p = new RestartPolicy({ baseDelayMs: 100, maxDelayMs: 1000, stableMs: 5000 });
  assert.equal(p.died(10), 0);
  assert.equal(p.died(10), 100);
  assert.equal(p.died(10), 200);
  assert.equal(p.died(5000), 0);
  assert.equal(p.failures, 1);
  assert.equal(p.died(4999), 100);
});
