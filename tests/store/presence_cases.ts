/**
 * The `ws_presence` side of the conformance suite: one row per process,
 * upserted whole, its heartbeat moved on alone, read by freshness without the
 * reader's own, pruned once stale or withdrawn.
 * @module
 */
import assert from "node:assert/strict";
import type { StoreHarness } from "./_fixtures.ts";
import { type Ctx, storeTest } from "./_helpers.ts";

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const ids = (rows: { processId: string }[]) => rows.map((r) => r.processId).sort();

/**
 * Registers the presence-row cases for one implementation.
 * @param h makes fresh databases and stores of the implementation
 */
export function registerPresenceCases(h: StoreHarness): void {
  const test = (name: string, fn: (ctx: Ctx) => Promise<void>) => storeTest(h, name, fn);

  test("putPresence upserts a process's row; readPresence filters by freshness and leaves out `except`", async ({ fx, store }) => {
    const other = fx.open();
    await other.init();
    try {
      const big = JSON.stringify(
        Array.from({ length: 2000 }, (_, i) => ({ user: `user-${i} ✓`, connections: 1 })),
      );
      await store.putPresence({ processId: "a", users: "[]", heartbeatAt: t(1) });
      await store.putPresence({ processId: "a", users: big, heartbeatAt: t(2) });
      await other.putPresence({ processId: "b", users: '["b"]', heartbeatAt: t(3) });
      const all = await other.readPresence(t(0));
      assert.deepEqual(ids(all), ["a", "b"]);
      const a = all.find((r) => r.processId === "a")!;
      assert.equal(a.users, big, "the report comes back byte for byte");
      assert.equal(a.heartbeatAt.getTime(), t(2).getTime());
      assert.deepEqual(ids(await store.readPresence(t(0), "a")), ["b"], "not the reader's own");
      assert.deepEqual(ids(await store.readPresence(t(3))), ["b"], "fresh ones only");
      assert.deepEqual(await store.readPresence(t(4)), []);
    } finally {
      await other.close();
    }
  });

  test("touchPresence moves the heartbeat on and keeps the report; false for a process with no row", async ({ store }) => {
    await store.putPresence({ processId: "a", users: '["kept"]', heartbeatAt: t(1) });
    assert.equal(await store.touchPresence("a", t(9)), true);
    const [row] = await store.readPresence(t(5));
    assert.equal(row?.processId, "a", "fresh again");
    assert.equal(row?.users, '["kept"]');
    assert.equal(row?.heartbeatAt.getTime(), t(9).getTime());
    assert.equal(await store.touchPresence("never-written", t(9)), false);
    assert.deepEqual(ids(await store.readPresence(t(0))), ["a"], "a touch creates no row");
  });

  test("prunePresence deletes the stale rows and one withdrawn process's; a touch then says false", async ({ store }) => {
    await store.putPresence({ processId: "dead", users: "[]", heartbeatAt: t(1) });
    await store.putPresence({ processId: "alive", users: "[]", heartbeatAt: t(10) });
    await store.putPresence({ processId: "leaving", users: "[]", heartbeatAt: t(10) });
    assert.equal(await store.prunePresence(t(5)), 1);
    assert.equal(await store.prunePresence(t(5), "leaving"), 1);
    assert.deepEqual(ids(await store.readPresence(t(0))), ["alive"]);
    assert.equal(await store.touchPresence("dead", t(11)), false, "pruned: it must write whole");
  });
}
