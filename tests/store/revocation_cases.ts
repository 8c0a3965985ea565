/**
 * The `ws_revocations` side of the conformance suite (v1.2): one row per
 * user, a later revocation moves the moment later and an earlier one never
 * moves it back, user names compare byte for byte, reads filter by moment.
 * @module
 */
import assert from "node:assert/strict";
import type { StoreHarness } from "./_fixtures.ts";
import { type Ctx, storeTest } from "./_helpers.ts";

/**
 * Registers the revocation cases for one implementation.
 * @param h makes fresh databases and stores of the implementation
 */
export function registerRevocationCases(h: StoreHarness): void {
  const test = (name: string, fn: (ctx: Ctx) => Promise<void>) => storeTest(h, name, fn);

  test("revoke keeps the later moment of a user; readRevocations filters", async ({ fx, store }) => {
    const t1 = new Date("2026-03-04T05:06:07.123Z");
    const t2 = new Date("2026-03-04T05:06:09.456Z");
    assert.deepEqual(await store.revoke("alice", t1), t1);
    assert.deepEqual(await store.revoke("alice", t2), t2, "a later revocation moves the moment");
    assert.deepEqual(await store.revoke("alice", t1), t2, "an earlier one never moves it back");
    await store.revoke("Alice", t1);
    const other = fx.open();
    await other.init();
    try {
      assert.deepEqual(await other.readRevocations(null), [
        { user: "Alice", revokedAt: t1 },
        { user: "alice", revokedAt: t2 },
      ], "user names compare byte for byte; oldest first");
      assert.deepEqual(
        (await other.readRevocations(new Date(t1.getTime() + 1))).map((r) => r.user),
        ["alice"],
      );
      assert.deepEqual(await other.readRevocations(new Date(t2.getTime() + 1)), []);
    } finally {
      await other.close();
    }
  });

  test("revoke refuses a user the table cannot hold", async ({ store }) => {
    await assert.rejects(store.revoke("", new Date()), TypeError);
    await assert.rejects(store.revoke("x".repeat(256), new Date()), TypeError);
    const long = "é".repeat(255);
    await store.revoke(long, new Date(1_000));
    assert.deepEqual((await store.readRevocations(null)).map((r) => r.user), [long]);
  });
}
