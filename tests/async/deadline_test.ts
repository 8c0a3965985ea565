import assert from "node:assert/strict";
import { exponentialDelay } from "../../src/async/backoff.ts";
import { deadline, DeadlineError, delay, settleWithin } from "../../src/async/deadline.ts";
import { FakeClock } from "../_support/fake_clock.ts";

Deno.test("deadline: the work's result in time, a DeadlineError (or the given error) after", async () => {
  const clock = new FakeClock();
  assert.equal(await deadline(Promise.resolve(7), 100, undefined, clock), 7);
  const never = new Promise<number>(() => {});
  const late = deadline(never, 100, undefined, clock);
  clock.tick(99);
  let settled = false;
  late.catch(() => settled = true);
  await Promise.resolve();
  assert.equal(settled, false);
  clock.tick(1);
  await assert.rejects(late, DeadlineError);
  const own = deadline(never, 5, () => new RangeError("too slow"), clock);
  clock.tick(5);
  await assert.rejects(own, RangeError);
  await assert.rejects(deadline(Promise.reject(new Error("boom")), 100, undefined, clock), /boom/);
});

Deno.test("settleWithin never rejects; delay waits on the clock", async () => {
  const clock = new FakeClock();
  const waited = settleWithin(new Promise(() => {}), 50, clock);
  clock.tick(50);
  await waited;
  await settleWithin(Promise.reject(new Error("ignored")), 50, clock);
  let done = false;
  const d = delay(30, clock).then(() => done = true);
  clock.tick(29);
  await Promise.resolve();
  assert.equal(done, false);
  clock.tick(1);
  await d;
  assert.equal(done, true);
});

Deno.test("exponentialDelay doubles from the base and stops at the cap", () => {
  assert.deepEqual([0, 1, 2, 3, 10].map((n) => exponentialDelay(n, 250, 10_000)), [
    250,
    500,
    1000,
    2000,
    10_000,
  ]);
  assert.equal(exponentialDelay(-3, 10, 1000), 10);
  assert.equal(exponentialDelay(1e9, 10, 1000), 1000);
});
