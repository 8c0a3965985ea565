/**
 * `WaitBudget` on fake time: the sum of the waits is bounded, not each one.
 */
import assert from "node:assert/strict";
import { WaitBudget } from "../../src/async/wait_budget.ts";
import { FakeClock } from "../_support/fake_clock.ts";

const exhausted = (what: string) => new Error(`out of budget at ${what}`);

/** A wait that takes `ms` of fake time, then resolves with `value`. */
function takes<T>(clock: FakeClock, ms: number, value: T): () => Promise<T> {
  return () => new Promise((resolve) => clock.setTimeout(() => resolve(value), ms));
}

/** Lets the promise callbacks queued so far run. */
const settle = () => new Promise((r) => setTimeout(r, 0));

Deno.test("waits within the budget resolve and are charged", async () => {
  const clock = new FakeClock();
  const budget = new WaitBudget(5000, exhausted, clock);
  const first = budget.spend("a", takes(clock, 3000, 1));
  clock.tick(3000);
  assert.equal(await first, 1);
  assert.equal(budget.leftMs, 2000);
  const second = budget.spend("b", takes(clock, 1500, 2));
  clock.tick(1500);
  assert.equal(await second, 2);
  assert.equal(budget.leftMs, 500);
});

Deno.test("the wait that crosses the budget fails when the budget ends, not after its own time", async () => {
  const clock = new FakeClock();
  const budget = new WaitBudget(5000, exhausted, clock);
  const first = budget.spend("a", takes(clock, 3000, 1));
  clock.tick(3000);
  await first;
  let settled: unknown = null;
  const second = budget.spend("b", takes(clock, 3000, 2)).then(
    (v) => (settled = v),
    (e: Error) => (settled = e.message),
  );
  clock.tick(1999);
  await settle();
  assert.equal(settled, null, "still within the budget");
  clock.tick(1);
  await second;
  assert.equal(settled, "out of budget at b");
  assert.equal(budget.leftMs, 0);
});

Deno.test("with nothing left the next wait fails without starting", async () => {
  const clock = new FakeClock();
  const budget = new WaitBudget(100, exhausted, clock);
  const first = budget.spend("a", takes(clock, 500, 1)).catch((e: Error) => e.message);
  clock.tick(100);
  assert.equal(await first, "out of budget at a");
  let started = false;
  await assert.rejects(
    budget.spend("b", () => {
      started = true;
      return Promise.resolve(2);
    }),
    /out of budget at b/,
  );
  assert.equal(started, false);
});

Deno.test("a wait's own failure passes through and is charged", async () => {
  const clock = new FakeClock();
  const budget = new WaitBudget(1000, exhausted, clock);
  const failing = budget.spend(
    "a",
    () => new Promise((_, reject) => clock.setTimeout(() => reject(new Error("refused")), 400)),
  );
  clock.tick(400);
  await assert.rejects(failing, /refused/);
  assert.equal(budget.leftMs, 600);
  assert.equal(clock.pending, 0, "no timer left behind");
});
