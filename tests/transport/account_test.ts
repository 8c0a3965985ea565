import assert from "node:assert/strict";
import {
  ACCOUNT_ALLOWANCE_BYTES,
  accountLimit,
  ChargedQueue,
  ConnectionAccount,
} from "../../src/transport/account.ts";

Deno.test("the limit is MAX_BUFFERED_BYTES + 4 × MAX_MESSAGE_BYTES + 256 KiB: 4.5 MiB by default", () => {
  assert.equal(accountLimit(65536, 1 << 20), (1 << 20) + 4 * 65536 + ACCOUNT_ALLOWANCE_BYTES);
  assert.equal(accountLimit(65536), 4_718_592);
});

Deno.test("charges past the limit are refused and change nothing", () => {
  const a = new ConnectionAccount(100);
  assert.ok(a.charge(60));
  assert.ok(!a.charge(41));
  assert.equal(a.held, 60);
  assert.ok(a.charge(40));
  assert.equal(a.available, 0);
  a.release(100);
  assert.equal(a.held, 0);
  assert.equal(a.peak, 100);
  a.release(5);
  assert.equal(a.held, 0, "never below zero");
});

Deno.test("a charged queue takes only what the account holds, and releases what leaves it", () => {
  const a = new ConnectionAccount(10);
  const q = new ChargedQueue<string>(a, (s) => s.length);
  assert.ok(q.push("abcd"));
  assert.ok(q.push("efgh"));
  assert.ok(!q.push("ijk"), "over the limit");
  assert.equal(q.length, 2);
  assert.equal(a.held, 8);
  q.pushAnyway("xyz"); // a close frame: always taken, still counted
  assert.equal(a.held, 11);
  assert.equal(q.peek(), "abcd");
  assert.equal(q.shift(), "abcd");
  assert.equal(a.held, 7);
  assert.deepEqual(q.drain(), ["efgh", "xyz"]);
  assert.equal(a.held, 0);
  assert.equal(q.shift(), undefined);
});

Deno.test("a long-lived queue compacts as it is used", () => {
  const a = new ConnectionAccount(1 << 20);
  const q = new ChargedQueue<number[]>(a, () => 1);
  for (let i = 0; i < 10_000; i++) {
    q.push([i]);
    q.push([i]);
    q.shift();
  }
  assert.equal(q.length, 10_000);
  assert.equal(a.held, 10_000);
  q.clear();
  assert.equal(a.held, 0);
});

Deno.test("a queue emptied as it goes holds few slots", () => {
  const a = new ConnectionAccount(1 << 20);
  const q = new ChargedQueue<number[]>(a, () => 1);
  // A socket's queue: one frame per event, written before the next.
  for (let i = 0; i < 5_000; i++) {
    q.push([i]);
    assert.deepEqual(q.shift(), [i]);
  }
  assert.ok(q.slots <= 16, `an emptied queue starts over (${q.slots} slots)`);
  // Two queued, one taken per event: spent slots stay bounded by what is queued.
  q.push([0]);
  for (let i = 1; i < 5_000; i++) {
    q.push([i]);
    q.shift();
    assert.ok(q.slots <= 2 * q.length + 1026, `slots ${q.slots} for ${q.length} queued`);
  }
  assert.equal(q.length, 1);
  assert.deepEqual(q.shift(), [4_999]);
  assert.ok(q.slots <= 16, `${q.slots} slots once emptied`);
  assert.equal(a.held, 0);
});

Deno.test("a queue that once held many gives its array back when emptied", () => {
  const a = new ConnectionAccount(1 << 20);
  const q = new ChargedQueue<number[]>(a, () => 1);
  for (let i = 0; i < 3_000; i++) q.push([i]);
  for (let i = 0; i < 3_000; i++) assert.deepEqual(q.shift(), [i], "in order");
  assert.equal(q.length, 0);
  assert.ok(q.slots <= 16, `${q.slots} slots`);
  assert.equal(a.held, 0);
});
