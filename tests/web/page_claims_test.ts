/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The page's claim rules, pure: reading a claim off the wire, what a card
 * says about it ("bob is editing — 1:05 left"), when it lapses against the
 * server's clock, and when one's own claim is renewed.
 */
import assert from "node:assert/strict";
import {
  ClaimTable,
  claimView,
  formatLeft,
  isLive,
  parseClaim,
  RENEW_MARGIN_MS,
  renewDelay,
} from "../../web/page/claims.ts";

const T0 = Date.parse("2026-12-01T12:00:00.000Z");

Deno.test("a claim is read from claimed_by/claim_until or by/until; none or garbage is null", () => {
  assert.deepEqual(parseClaim("bob", "2026-12-01T12:02:00.000Z"), {
    by: "bob",
    until: T0 + 120_000,
  });
  assert.equal(parseClaim(null, null), null);
  assert.equal(parseClaim("bob", null), null);
  assert.equal(parseClaim("", "2026-12-01T12:02:00.000Z"), null);
  assert.equal(parseClaim("bob", "not a time"), null);
  assert.equal(parseClaim(7, "2026-12-01T12:02:00.000Z"), null);
});

Deno.test("time left reads as minutes and seconds, rounded up, never negative", () => {
  assert.equal(formatLeft(120_000), "2:00");
  assert.equal(formatLeft(65_001), "1:06");
  assert.equal(formatLeft(9_000), "0:09");
  assert.equal(formatLeft(1), "0:01");
  assert.equal(formatLeft(0), "0:00");
  assert.equal(formatLeft(-5_000), "0:00");
});

Deno.test("another user's live claim locks the card; one's own does not; a lapsed one is free", () => {
  const claim = { by: "bob", until: T0 + 65_000 };
  assert.deepEqual(claimView(claim, T0, "alice", false), {
    kind: "theirs",
    by: "bob",
    text: "bob is editing — 1:05 left",
  });
  assert.deepEqual(claimView(claim, T0, "bob", true), {
    kind: "mine",
    by: "bob",
    text: "You are editing — 1:05 left",
    here: true,
  });
  // The same user in another window: the card offers to take the claim over there.
  assert.equal((claimView(claim, T0, "bob", false) as { here: boolean }).here, false);
  assert.match(
    (claimView(claim, T0, "bob", false) as { text: string }).text,
    /in another window/,
  );
  assert.deepEqual(claimView(claim, T0 + 65_000, "alice", false), { kind: "free" });
  assert.deepEqual(claimView(null, T0, "alice", false), { kind: "free" });
  assert.equal(isLive(claim, T0 + 64_999), true);
  assert.equal(isLive(claim, T0 + 65_000), false, "a claim lapses at until");
});

Deno.test("the claim table forgets lapsed claims and says which lapsed", () => {
  const table = new ClaimTable();
  table.set(1, { by: "bob", until: T0 + 1_000 });
  table.set(2, { by: "carol", until: T0 + 5_000 });
  table.set(3, { by: "dave", until: T0 + 500 });
  assert.deepEqual(table.expire(T0), []);
  assert.deepEqual(table.expire(T0 + 1_000).sort(), [1, 3]);
  assert.equal(table.get(1), null);
  assert.deepEqual(table.get(2), { by: "carol", until: T0 + 5_000 });
  table.set(2, null);
  assert.deepEqual(table.ids(), []);
  table.set(4, { by: "x", until: T0 });
  table.clear();
  assert.equal(table.get(4), null);
});

Deno.test("one's own claim is renewed halfway, and at least the margin before it ends", () => {
  assert.equal(renewDelay(T0 + 120_000, T0), 60_000, "halfway through a long lease");
  assert.equal(renewDelay(T0 + 3_000, T0), 1_000, "short lease: the margin wins");
  assert.equal(renewDelay(T0 + 3_000, T0) + RENEW_MARGIN_MS, 3_000);
  assert.equal(renewDelay(T0 + 1_000, T0), 0, "less than the margin left: renew at once");
  assert.equal(renewDelay(T0 - 1_000, T0), 0, "already lapsed: at once");
  for (const lease of [2_500, 5_000, 30_000, 120_000, 600_000]) {
    const delay = renewDelay(T0 + lease, T0);
    assert.ok(delay < lease, `renewal before the end of a ${lease} ms lease`);
    assert.ok(delay >= 0);
  }
});
