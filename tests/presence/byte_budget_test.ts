import assert from "node:assert/strict";
import { PresenceBudget } from "../../src/presence/byte_budget.ts";

Deno.test("a client's PRESENCE allowance: a second's worth at once, refilled by the second", () => {
  const budget = new PresenceBudget(16_384);
  const client = {};
  assert.equal(budget.take(client, 10_000, 0), 0);
  // 6384 bytes left: a frame of 10 000 waits for 3616 more, about 221 ms.
  assert.equal(budget.take(client, 10_000, 0), 221);
  assert.equal(budget.take(client, 10_000, 100), 121);
  assert.equal(budget.take(client, 10_000, 221), 0);
  // Never more than a second's worth banked, however long the pause.
  assert.equal(budget.take(client, 16_384, 1_000_000), 0);
  assert.ok(budget.take(client, 1, 1_000_000) > 0);
  // Clients have their own allowances.
  assert.equal(budget.take({}, 16_384, 1_000_000), 0);
});

Deno.test("over any 10 s a client is charged at most 11 allowances, whatever it is offered", () => {
  const budget = new PresenceBudget(16_384);
  const client = {};
  let sent = 0;
  for (let t = 0; t <= 10_000; t += 7) if (budget.take(client, 9_000, t) === 0) sent += 9_000;
  assert.ok(sent <= 16_384 * 11, `${sent} bytes`);
  assert.ok(sent >= 16_384 * 9, `${sent} bytes: the allowance is used`);
});
