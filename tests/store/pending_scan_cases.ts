/**
 * The v1.2 pending-scan cases of the conformance suite (issue 17): the rows
 * nobody announced, oldest first and bounded, never a decided or announced
 * one; the pending figures for `/metrics`; and the query plan, which must use
 * an index (not a scan of `responses`), so the scan stays cheap at 100 000 rows.
 * @module
 */
import assert from "node:assert/strict";
import type { StoreHarness } from "./_fixtures.ts";
import { appended, type Ctx, insertRow, storeTest } from "./_helpers.ts";
import { build } from "./build.ts";

/**
 * Registers the pending-scan cases for one implementation.
 * @param h makes fresh databases and stores of the implementation
 */
export function registerPendingScanCases(h: StoreHarness): void {
  const test = (name: string, fn: (ctx: Ctx) => Promise<void>) => storeTest(h, name, fn);

  test("unannounced lists pending rows with no current announcement, oldest first, bounded", async ({ fx, store }) => {
    const late = await insertRow(fx, { created_at: "2026-01-02 03:04:09.000" });
    const early = await insertRow(fx, { created_at: "2026-01-02 03:04:05.000" });
    const announced = await insertRow(fx, { created_at: "2026-01-02 03:04:01.000" });
    await insertRow(fx, { status: "approved", decided_by: "bob" });
    appended(await store.announce(announced, build));
    assert.deepEqual(await store.unannounced(10), [early, late]);
    assert.deepEqual(await store.unannounced(1), [early]);
    appended(await store.announce(early, build));
    assert.deepEqual(await store.unannounced(10), [late]);
    await assert.rejects(store.unannounced(0), TypeError);
    await assert.rejects(store.unannounced(10_001), TypeError);
  });

  test("pendingStats counts pending rows, the oldest and the overdue ones", async ({ fx, store }) => {
    assert.deepEqual(await store.pendingStats(new Date("2026-01-02T03:04:06Z")), {
      count: 0,
      oldest: null,
      overdue: 0,
    });
    await insertRow(fx, { created_at: "2026-01-02 03:04:05.000" });
    await insertRow(fx, { created_at: "2026-01-02 03:10:00.000" });
    await insertRow(fx, { created_at: "2026-01-01 00:00:00.000", status: "rejected" });
    const stats = await store.pendingStats(new Date("2026-01-02T03:05:00Z"));
    assert.equal(stats.count, 2);
    assert.equal(stats.oldest?.toISOString(), "2026-01-02T03:04:05.000Z");
    assert.equal(stats.overdue, 1);
  });

  test("the scan's plan reads responses through an index, never the whole table", async ({ fx }) => {
    const sql =
      "SELECT r.id FROM responses r LEFT JOIN ws_announcements a ON a.response_id = r.id " +
      "WHERE r.status = 'pending' AND (a.pending_seq IS NULL OR a.decision_seq IS NOT NULL) " +
      "ORDER BY r.created_at, r.id LIMIT 100";
    if (fx.target.dialect === "sqlite") {
      const plan = await fx.exec(`EXPLAIN QUERY PLAN ${sql}`);
      const text = plan.rows.map((r) => String(r.detail)).join("\n");
      assert.match(text, /responses_status_created/, text);
      assert.doesNotMatch(text, /SCAN r\b(?! USING)/, text);
    } else {
      const plan = await fx.exec(`EXPLAIN ${sql}`);
      const r = plan.rows.find((row) => row.table === "r")!;
      assert.notEqual(r.type, "ALL", JSON.stringify(plan.rows));
      assert.match(String(r.key), /responses_status/, JSON.stringify(plan.rows));
    }
  });
}
