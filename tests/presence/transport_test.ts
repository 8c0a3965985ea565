/**
 * `StorePresence` on a real SQLite file shared by two "processes", with fake
 * time: a report is written whole, then only its heartbeat moves on; each
 * process reads the other's report, not its own; a process that stops
 * writing goes stale, its row is pruned, and its next touch says so.
 */
import assert from "node:assert/strict";
import { StorePresence } from "../../src/presence/transport.ts";
import { SqliteStore } from "../../src/store/sqlite_store.ts";
import { FakeClock } from "../_support/fake_clock.ts";
import { freshSqlitePath } from "../_support/services.ts";

const STALE_MS = 3000;

Deno.test("StorePresence: whole writes, heartbeat-only touches, others' rows only, stale rows pruned", async () => {
  const { path, remove } = await freshSqlitePath();
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const stores = [new SqliteStore({ path }), new SqliteStore({ path })];
  try {
    for (const s of stores) await s.init();
    const a = new StorePresence(stores[0]!, "process-a", clock, STALE_MS);
    const b = new StorePresence(stores[1]!, "process-b", clock, STALE_MS);
    assert.equal(await a.touch(), false, "nothing written yet: the report must go whole");
    await a.write('[{"user":"alice"}]');
    await b.write("[]");
    assert.deepEqual(await a.read(), [{ processId: "process-b", users: "[]" }], "not its own");
    assert.deepEqual(await b.read(), [{ processId: "process-a", users: '[{"user":"alice"}]' }]);
    // A's heartbeat alone keeps its report alive well past the staleness.
    for (let i = 0; i < 5; i++) {
      clock.tick(1000);
      assert.equal(await a.touch(), true);
      await b.write("[]");
    }
    assert.deepEqual(await b.read(), [{ processId: "process-a", users: '[{"user":"alice"}]' }]);
    // B stops (a kill, no withdrawal): stale for A after STALE_MS, pruned after twice that.
    clock.tick(STALE_MS + 1);
    assert.equal(await a.touch(), true);
    assert.deepEqual(await a.read(), [], "B is stale");
    clock.tick(STALE_MS);
    assert.equal(await a.touch(), true, "A's own prune pass");
    assert.equal(await b.touch(), false, "B's row was pruned: B must write whole again");
    await b.write('["back"]');
    assert.deepEqual(await a.read(), [{ processId: "process-b", users: '["back"]' }]);
    await b.remove();
    assert.deepEqual(await a.read(), [], "withdrawn");
  } finally {
    for (const s of stores) await s.close();
    await remove();
  }
});
