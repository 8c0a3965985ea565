import assert from "node:assert/strict";
import { issuedNoLaterThan, RevocationList } from "../../src/people/revocations.ts";

Deno.test("a revocation refuses tokens issued at or before it, or without iat; later ones pass", () => {
  const list = new RevocationList();
  assert.equal(list.record("alice", 10_500), true);
  assert.equal(list.refuses({ sub: "alice", iat: 10 }), true, "issued before");
  assert.equal(list.refuses({ sub: "alice", iat: 10.5 }), true, "issued at the moment");
  assert.equal(list.refuses({ sub: "alice" }), true, "no iat");
  assert.equal(list.refuses({ sub: "alice", iat: 11 }), false, "issued after");
  assert.equal(list.refuses({ sub: "bob", iat: 1 }), false, "another user");
  assert.equal(list.refuses({ sub: "Alice", iat: 1 }), false, "names compare exactly");
});

Deno.test("record only moves a user's moment later (replays and reordering are harmless)", () => {
  const list = new RevocationList();
  assert.equal(list.record("alice", 2_000), true);
  assert.equal(list.record("alice", 1_000), false);
  assert.equal(list.record("alice", 2_000), false);
  assert.equal(list.revokedAt("alice"), 2_000);
  assert.equal(list.record("alice", 3_000), true);
  assert.equal(list.record("bob", Number.NaN), false);
  list.record("bob", 2_500);
  assert.deepEqual(list.list(), [
    { user: "alice", revokedAt: 3_000 },
    { user: "bob", revokedAt: 2_500 },
  ]);
  assert.equal(list.size, 2);
  assert.equal(list.revokedAt("carol"), null);
});

Deno.test("issuedNoLaterThan compares iat seconds with a ms moment", () => {
  assert.equal(issuedNoLaterThan(undefined, 0), true);
  assert.equal(issuedNoLaterThan(null, 0), true);
  assert.equal(issuedNoLaterThan(1, 1000), true);
  assert.equal(issuedNoLaterThan(1.001, 1000), false);
});
