import assert from "node:assert/strict";
import { isLive, leaseUntil, liveClaim, mayAct, releaseVerdict } from "../../src/claims/lease.ts";
import { FakeClock } from "../_support/fake_clock.ts";

Deno.test("a claim lasts the lease from its CLAIM and lapses at its until exactly", () => {
  const clock = new FakeClock(1_000_000);
  const claim = { holder: "bob", until: leaseUntil(clock.now(), 120_000) };
  assert.equal(claim.until.getTime(), 1_120_000);
  clock.tick(119_999);
  assert.ok(isLive(claim, clock.now()));
  assert.equal(liveClaim(claim, clock.now()), claim);
  clock.tick(1);
  assert.ok(!isLive(claim, clock.now()));
  assert.equal(liveClaim(claim, clock.now()), null);
  assert.ok(!isLive(null, clock.now()));
  assert.throws(() => leaseUntil(0, 0), RangeError);
  assert.throws(() => leaseUntil(0, 1.5), RangeError);
});

Deno.test("renewal moves until; only others are fenced, and only while the claim is live", () => {
  const clock = new FakeClock(0);
  let claim = { holder: "bob", until: leaseUntil(clock.now(), 1000) };
  clock.tick(900);
  claim = { holder: "bob", until: leaseUntil(clock.now(), 1000) }; // renewed
  clock.tick(900);
  assert.ok(mayAct(claim, "bob", clock.now()));
  assert.ok(!mayAct(claim, "alice", clock.now()));
  clock.tick(100);
  assert.ok(mayAct(claim, "alice", clock.now()), "lapsed at 1900");
  assert.ok(mayAct(null, "alice", clock.now()));
});

Deno.test("release: the holder and an admin may; another operator is refused; none when lapsed", () => {
  const claim = { holder: "bob", until: new Date(1000) };
  assert.equal(releaseVerdict(claim, "bob", false, 999), "release");
  assert.equal(releaseVerdict(claim, "root", true, 999), "release");
  assert.equal(releaseVerdict(claim, "alice", false, 999), "refused");
  assert.equal(releaseVerdict(claim, "bob", false, 1000), "none");
  assert.equal(releaseVerdict(null, "alice", false, 0), "none");
});
