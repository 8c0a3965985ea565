/**
 * The reading side of the conformance suite: snapshots, paging through the
 * log, and pruning it.
 * @module
 */
import assert from "node:assert/strict";
import { asSeq, type ResponseId } from "../../src/protocol/types.ts";
import type { StoreHarness } from "./_fixtures.ts";
import { appended, assertContiguous, type Ctx, insertRow, storeTest } from "./_helpers.ts";
import { build } from "./build.ts";

const at = new Date("2026-03-04T05:06:07.890Z");

/**
 * Registers the snapshot, readSince and prune cases for one implementation.
 * @param h makes fresh databases and stores of the implementation
 */
export function registerLogCases(h: StoreHarness): void {
  const test = (name: string, fn: (ctx: Ctx) => Promise<void>) => storeTest(h, name, fn);

  test("snapshot: pending rows by created_at then id, with the head they reflect", async ({ fx, store }) => {
    const late = await insertRow(fx, { created_at: "2026-05-01 00:00:00.002" });
    const tieB = await insertRow(fx, { created_at: "2026-05-01 00:00:00.001" });
    const tieC = await insertRow(fx, { created_at: "2026-05-01 00:00:00.001" });
    const early = await insertRow(fx, { created_at: "2026-04-30 23:59:59.999" });
    const decided = await insertRow(fx, { created_at: "2026-01-01 00:00:00.000" });
    appended(await store.announce(tieB, build));
    appended(await store.decide({ responseId: decided, decision: "approved", by: "a", at }));
    const snap = await store.snapshot();
    assert.equal(snap.seq, 2);
    assert.equal(snap.seq, await store.head());
    assert.deepEqual(snap.rows.map((r) => r.id), [early, tieB, tieC, late]);
    assert.equal(snap.rows[0]!.created_at.toISOString(), "2026-04-30T23:59:59.999Z");
    assert.ok(snap.rows.every((r) => r.status === "pending"));
  });

  test("snapshot stays consistent while decisions commit", async ({ fx, store }) => {
    const ids: ResponseId[] = [];
    for (let i = 0; i < 40; i++) ids.push(await insertRow(fx));
    const writer = fx.open();
    await writer.init();
    const deciding = (async () => {
      for (const id of ids) {
        appended(await writer.decide({ responseId: id, decision: "approved", by: "w", at }));
      }
    })();
    const sums: number[] = [];
    try {
      for (let i = 0; i < 20; i++) {
        const snap = await store.snapshot();
        sums.push(snap.rows.length + snap.seq);
      }
    } finally {
      await deciding; // never let the writer outlive the test's database
    }
    // Each decision is one event: pending rows + head = all rows, in every snapshot.
    assert.deepEqual(sums, sums.map(() => ids.length));
    const final = await store.snapshot();
    assert.deepEqual([final.seq, final.rows.length], [ids.length, 0]);
  });

  test("readSince pages through the log in order", async ({ fx, store }) => {
    for (let i = 0; i < 25; i++) appended(await store.announce(await insertRow(fx), build));
    const pages: number[][] = [];
    let after = asSeq(0);
    for (;;) {
      const page = await store.readSince(after, 10);
      if (page.length === 0) break;
      pages.push(page.map((e) => e.seq));
      for (const e of page) assert.equal(JSON.parse(e.frame).seq, e.seq);
      after = page[page.length - 1]!.seq;
    }
    assert.deepEqual(pages.map((p) => p.length), [10, 10, 5]);
    assertContiguous(pages.flat().map((seq) => ({ seq: asSeq(seq) })));
    assert.deepEqual(await store.readSince(asSeq(25), 10), []);
    assert.deepEqual((await store.readSince(asSeq(23), 100)).map((e) => e.seq), [24, 25]);
  });

  test("readSince cuts a page before a hole and hands the jump on the next read", async ({ fx, store }) => {
    for (let i = 0; i < 5; i++) appended(await store.announce(await insertRow(fx), build));
    await fx.exec("DELETE FROM ws_events WHERE seq = 3"); // a damaged log
    assert.deepEqual((await store.readSince(asSeq(0), 10)).map((e) => e.seq), [1, 2]);
    assert.deepEqual((await store.readSince(asSeq(2), 10)).map((e) => e.seq), [4, 5]);
  });

  test("prune deletes old events only; head and seq continue", async ({ fx, store }) => {
    for (let i = 0; i < 3; i++) appended(await store.announce(await insertRow(fx), build));
    await new Promise((r) => setTimeout(r, 20));
    const cut = new Date();
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 2; i++) appended(await store.announce(await insertRow(fx), build));
    assert.equal(await store.oldestSeq(), 1);
    assert.equal(await store.prune(new Date(cut.getTime() - 60_000)), 0);
    assert.equal(await store.prune(cut), 3);
    assert.equal(await store.oldestSeq(), 4);
    assert.equal(await store.head(), 5);
    // A reader behind the pruned prefix sees the jump, and so knows to take a snapshot.
    assert.deepEqual((await store.readSince(asSeq(0), 10)).map((e) => e.seq), [4, 5]);
    assert.equal(await store.prune(new Date(Date.now() + 60_000)), 2);
    assert.equal(await store.oldestSeq(), null);
    assert.equal(await store.head(), 5);
    assert.equal(appended(await store.announce(await insertRow(fx), build)).seq, 6);
  });

  test("prune removes only a prefix of the log, even if times go backwards", async ({ fx, store }) => {
    for (let i = 0; i < 5; i++) appended(await store.announce(await insertRow(fx), build));
    // Another host's clock lagging: event 4 carries an older time than event 3.
    await fx.exec("UPDATE ws_events SET created_at = ? WHERE seq IN (1, 2, 4)", [
      "2000-01-01 00:00:00.000",
    ]);
    assert.equal(await store.prune(new Date("2001-01-01T00:00:00Z")), 2);
    assert.deepEqual((await store.readSince(asSeq(0), 10)).map((e) => e.seq), [3, 4, 5]);
    assert.equal(await store.oldestSeq(), 3);
  });
}
