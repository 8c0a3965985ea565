import assert from "node:assert/strict";
import { Coalescer } from "../../src/presence/coalescer.ts";
import { LocalRoster, mergeReports, parseReport } from "../../src/presence/roster.ts";
import { FakeClock } from "../_support/fake_clock.ts";

Deno.test("roster: counts connections per user, since is the earliest live one", () => {
  const r = new LocalRoster();
  assert.ok(r.add("bob", "c1", Date.parse("2026-01-01T00:00:02Z")));
  assert.ok(r.add("bob", "c2", Date.parse("2026-01-01T00:00:01Z")));
  assert.ok(!r.add("bob", "c2", 0), "the same connection twice is no change");
  assert.ok(r.add("alice", "c3", Date.parse("2026-01-01T00:00:03Z")));
  assert.deepEqual(r.report(), [
    { user: "alice", connections: 1, since: "2026-01-01T00:00:03.000Z" },
    { user: "bob", connections: 2, since: "2026-01-01T00:00:01.000Z" },
  ]);
  assert.ok(r.remove("bob", "c2"));
  assert.ok(!r.remove("bob", "c2"));
  assert.deepEqual(r.report()[1], {
    user: "bob",
    connections: 1,
    since: "2026-01-01T00:00:02.000Z",
  });
  r.remove("alice", "c3");
  assert.deepEqual(r.report().map((e) => e.user), ["bob"]);
});

Deno.test("merge: counts add up over processes, since is the earliest, sorted by user", () => {
  const merged = mergeReports([
    [{ user: "bob", connections: 1, since: "2026-01-01T00:00:05.000Z" }],
    [
      { user: "amy", connections: 2, since: "2026-01-01T00:00:09.000Z" },
      { user: "bob", connections: 3, since: "2026-01-01T00:00:04.000Z" },
    ],
  ]);
  assert.deepEqual(merged, [
    { user: "amy", connections: 2, since: "2026-01-01T00:00:09.000Z" },
    { user: "bob", connections: 4, since: "2026-01-01T00:00:04.000Z" },
  ]);
  assert.deepEqual(mergeReports([]), []);
});

Deno.test("parseReport drops what another process wrote badly", () => {
  assert.deepEqual(parseReport("not json"), []);
  assert.deepEqual(parseReport('{"user":"x"}'), []);
  assert.deepEqual(
    parseReport(
      '[{"user":"a","connections":1,"since":"s"},{"user":1},{"user":"b","connections":0,"since":"s"}]',
    ),
    [{ user: "a", connections: 1, since: "s" }],
  );
});

Deno.test("coalescer: the first change goes at once, a burst waits for the interval and goes once", () => {
  const clock = new FakeClock(0);
  const flushes: number[] = [];
  const c = new Coalescer(clock, 1000, () => flushes.push(clock.now()));
  c.poke();
  assert.deepEqual(flushes, [0]);
  clock.tick(100);
  c.poke();
  c.poke();
  clock.tick(899);
  assert.deepEqual(flushes, [0], "not before a second has passed");
  clock.tick(1);
  assert.deepEqual(flushes, [0, 1000]);
  clock.tick(5000);
  c.poke();
  assert.deepEqual(flushes, [0, 1000, 6000], "a quiet change goes at once");
  c.poke();
  c.stop();
  clock.tick(2000);
  assert.equal(flushes.length, 3, "stop drops the waiting flush");
});
