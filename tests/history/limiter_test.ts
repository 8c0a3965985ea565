import assert from "node:assert/strict";
import { HistoryLimiter, type HistoryPermit } from "../../src/history/limiter.ts";

const limits = { perUser: 2, ratePerSec: 1, burst: 3, maxInFlight: 3 };
const permit = (p: HistoryPermit | string): HistoryPermit => {
  assert.notEqual(typeof p, "string", `refused: ${p}`);
  return p as HistoryPermit;
};

Deno.test("history limiter: per user at once, then per process at once", () => {
  const l = new HistoryLimiter(limits);
  const a1 = permit(l.admit("alice", 0));
  const a2 = permit(l.admit("alice", 0));
  assert.equal(l.admit("alice", 0), "per_user");
  const b1 = permit(l.admit("bob", 0));
  assert.equal(l.inFlight, 3);
  assert.equal(l.admit("carol", 0), "in_flight");
  a1.release();
  a1.release(); // idempotent
  assert.equal(l.inFlight, 2);
  permit(l.admit("carol", 0));
  a2.release();
  b1.release();
});

Deno.test("history limiter: per user per second, refilled with time", () => {
  const l = new HistoryLimiter({ ...limits, maxInFlight: 100, perUser: 100 });
  for (let i = 0; i < 3; i++) permit(l.admit("alice", 0)).release();
  assert.equal(l.admit("alice", 0), "rate");
  assert.equal(l.admit("alice", 500), "rate");
  permit(l.admit("alice", 1000)).release();
  permit(l.admit("bob", 1000)).release();
  assert.equal(l.inFlight, 0);
});
