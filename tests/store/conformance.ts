/**
 * The one conformance suite of the `Store` seam, run against every
 * implementation (`sqlite_store_test.ts`, `mysql_store_test.ts`) on a real
 * database, fresh for each test.
 * @module
 */
import assert from "node:assert/strict";
import { type ResponseRow, StoreUnavailableError } from "../../src/store/store.ts";
import { asResponseId, asSeq } from "../../src/protocol/types.ts";
import type { StoreHarness } from "./_fixtures.ts";
import { appended, type Ctx, insertRow, storeTest } from "./_helpers.ts";
import { build } from "./build.ts";
import { registerClaimCases } from "./claim_cases.ts";
import { registerClaimCapCases } from "./claim_cap_cases.ts";
import { registerConcurrencyCases } from "./concurrency_cases.ts";
import { registerLogCases } from "./log_cases.ts";
import { registerNodeCases } from "./node_cases.ts";
import { registerPresenceCases } from "./presence_cases.ts";
import { registerRevocationCases } from "./revocation_cases.ts";
import { registerPendingScanCases } from "./pending_scan_cases.ts";
import { registerPublicationCases } from "./publication_cases.ts";
import { MIGRATIONS } from "../../src/store/schema.ts";

const at = new Date("2026-03-04T05:06:07.890Z");

/**
 * Registers the conformance suite for one implementation.
 * @param h makes fresh databases and stores of the implementation
 */
export function storeConformance(h: StoreHarness): void {
  const test = (name: string, fn: (ctx: Ctx) => Promise<void>) => storeTest(h, name, fn);

  test("init is idempotent, also for two stores starting at once", async ({ fx, store }) => {
    await store.init();
    assert.equal(await store.head(), 0);
    assert.equal(await store.oldestSeq(), null);
    assert.match(store.epoch(), /^[0-9a-f-]{36}$/);
    const [a, b] = [fx.open(), fx.open()];
    await Promise.all([a.init(), b.init()]);
    assert.equal(a.epoch(), store.epoch());
    assert.equal(b.epoch(), store.epoch());
    const versions = await fx.exec("SELECT version FROM ws_schema_version");
    assert.deepEqual(
      versions.rows.map((r) => Number(r.version)).sort((x, y) => x - y),
      MIGRATIONS.map((m) => m.version).sort((x, y) => x - y),
    );
    const meta = await fx.exec("SELECT COUNT(*) AS n FROM ws_meta");
    assert.equal(Number(meta.rows[0]!.n), 1);
  });

  test("three stores initialising one new database at once agree on the epoch", async () => {
    // `store` already created the schema; a second database shows the race from nothing.
    const other = await h.fresh();
    try {
      const stores = [other.open(), other.open(), other.open()];
      await Promise.all(stores.map((s) => s.init()));
      assert.equal(new Set(stores.map((s) => s.epoch())).size, 1);
      assert.equal(await stores[0]!.head(), 0);
    } finally {
      await other.dispose();
    }
  });

  test("epoch and head survive a reopen", async ({ fx, store }) => {
    const id = await insertRow(fx);
    appended(await store.announce(id, build));
    const epoch = store.epoch();
    await store.close();
    await store.close(); // idempotent
    await assert.rejects(store.head(), StoreUnavailableError);
    const again = fx.open();
    await again.init();
    assert.equal(again.epoch(), epoch);
    assert.equal(await again.head(), 1);
    assert.equal(await again.findAnnouncement(id), 1);
  });

  test("announce appends the pending event; repeats are duplicates", async ({ fx, store }) => {
    const id = await insertRow(fx, { response_text: "hello <b>world</b> 🎉" });
    const event = appended(await store.announce(id, build));
    assert.equal(event.seq, 1);
    assert.equal(event.kind, "pending");
    assert.equal(event.responseId, id);
    assert.deepEqual(JSON.parse(event.frame), {
      type: "EVENT",
      seq: 1,
      event: "pending",
      response_id: id,
      platform: "vk",
      post_url: "https://vk.com/wall-1_2",
      html: "<p>hello <b>world</b> 🎉</p>",
    });
    assert.deepEqual(await store.announce(id, build), { kind: "duplicate", seq: 1 });
    assert.equal(await store.findAnnouncement(id), 1);
    assert.equal(await store.head(), 1);
    const [stored] = await store.readSince(asSeq(0), 10);
    assert.ok(stored, "the appended event is in the log");
    assert.equal(stored.frame, event.frame);
    assert.equal(stored.createdAt.getTime(), event.createdAt.getTime());
  });

  test("announce: not_found, not_pending, and a failing build appends nothing", async ({ fx, store }) => {
    assert.deepEqual(await store.announce(asResponseId(999_999), build), { kind: "not_found" });
    const done = await insertRow(fx, { status: "rejected", decided_by: "olga" });
    assert.deepEqual(await store.announce(done, build), {
      kind: "not_pending",
      status: "rejected",
      decidedBy: "olga",
    });
    const id = await insertRow(fx);
    await assert.rejects(
      store.announce(id, () => {
        throw new Error("render failed");
      }),
      /render failed/,
    );
    await assert.rejects(
      store.announce(id, (row) => ({ ...build(row), response_id: asResponseId(id + 1) })),
      TypeError,
    );
    assert.equal(await store.head(), 0);
    assert.equal(await store.findAnnouncement(id), null);
    assert.equal(appended(await store.announce(id, build)).seq, 1);
  });

  test("approve with text replaces response_text; the pending event keeps the original", async ({ fx, store }) => {
    const id = await insertRow(fx, { response_text: "original" });
    appended(await store.announce(id, build));
    const e = appended(
      await store.decide({ responseId: id, decision: "approved", by: "anna", at, text: "edited" }),
    );
    assert.equal(e.seq, 2);
    assert.equal(e.kind, "approved");
    assert.deepEqual(JSON.parse(e.frame), {
      type: "EVENT",
      seq: 2,
      event: "approved",
      response_id: id,
      by: "anna",
      at: "2026-03-04T05:06:07.890Z",
      text: "edited",
      undo_until: "2026-03-04T05:06:07.890Z", // v1.2: no window given, so `at`
    });
    const row = await store.getResponse(id);
    assert.equal(row?.status, "approved");
    assert.equal(row?.response_text, "edited");
    assert.equal(row?.decided_by, "anna");
    assert.equal(row?.decided_at?.toISOString(), at.toISOString());
    assert.equal(row?.reason, null);
    const [pending] = await store.readSince(asSeq(0), 1);
    assert.ok(pending, "the pending event is in the log");
    assert.equal(JSON.parse(pending.frame).html, "<p>original</p>");
  });

  test("approve without text carries the row's text", async ({ fx, store }) => {
    const id = await insertRow(fx, { response_text: "as proposed" });
    const e = appended(
      await store.decide({ responseId: id, decision: "approved", by: "anna", at }),
    );
    assert.equal(JSON.parse(e.frame).text, "as proposed");
    assert.equal((await store.getResponse(id))?.response_text, "as proposed");
  });

  test("reject with and without reason", async ({ fx, store }) => {
    const a = await insertRow(fx, { response_text: "keep me" });
    const b = await insertRow(fx);
    const ea = appended(
      await store.decide({
        responseId: a,
        decision: "rejected",
        by: "ivan",
        at,
        reason: "rude",
        text: "x",
      }),
    );
    assert.deepEqual(JSON.parse(ea.frame), {
      type: "EVENT",
      seq: 1,
      event: "rejected",
      response_id: a,
      by: "ivan",
      at: at.toISOString(),
      reason: "rude",
      undo_until: at.toISOString(),
    });
    const rowA = await store.getResponse(a);
    assert.equal(rowA?.status, "rejected");
    assert.equal(rowA?.reason, "rude");
    assert.equal(rowA?.response_text, "keep me");
    const eb = appended(
      await store.decide({ responseId: b, decision: "rejected", by: "ivan", at }),
    );
    assert.equal(JSON.parse(eb.frame).reason, null);
    assert.equal((await store.getResponse(b))?.reason, null);
  });

  test("repeated decision by the same user is a duplicate; others get not_pending", async ({ fx, store }) => {
    const id = await insertRow(fx);
    appended(await store.announce(id, build));
    const first = appended(
      await store.decide({ responseId: id, decision: "approved", by: "anna", at }),
    );
    assert.deepEqual(
      await store.decide({ responseId: id, decision: "approved", by: "anna", at, text: "again" }),
      { kind: "duplicate", seq: first.seq },
    );
    assert.deepEqual(
      await store.decide({ responseId: id, decision: "approved", by: "boris", at }),
      {
        kind: "not_pending",
        status: "approved",
        decidedBy: "anna",
      },
    );
    assert.deepEqual(await store.decide({ responseId: id, decision: "rejected", by: "anna", at }), {
      kind: "not_pending",
      status: "approved",
      decidedBy: "anna",
    });
    assert.deepEqual(await store.announce(id, build), {
      kind: "not_pending",
      status: "approved",
      decidedBy: "anna",
    });
    assert.equal(await store.head(), 2);
    assert.equal((await store.getResponse(id))?.response_text, "proposed reply");
  });

  test("decisions on rows never announced, missing rows, rows decided elsewhere", async ({ fx, store }) => {
    const id = await insertRow(fx);
    const e = appended(
      await store.decide({ responseId: id, decision: "rejected", by: "ivan", at }),
    );
    assert.equal(e.seq, 1);
    assert.equal(await store.findAnnouncement(id), null);
    assert.deepEqual(await store.decide({ responseId: id, decision: "rejected", by: "ivan", at }), {
      kind: "duplicate",
      seq: 1,
    });
    assert.deepEqual(
      await store.decide({ responseId: asResponseId(424242), decision: "approved", by: "a", at }),
      { kind: "not_found" },
    );
    // Decided directly in the database by another module: no event to point at.
    const other = await insertRow(fx, { status: "approved", decided_by: "ivan" });
    assert.deepEqual(
      await store.decide({ responseId: other, decision: "approved", by: "ivan", at }),
      {
        kind: "not_pending",
        status: "approved",
        decidedBy: "ivan",
      },
    );
    assert.equal(await store.head(), 1);
  });

  test("a row put back to pending by another module is announced anew", async ({ fx, store }) => {
    const id = await insertRow(fx);
    appended(await store.announce(id, build));
    appended(await store.decide({ responseId: id, decision: "rejected", by: "ivan", at }));
    await fx.exec("UPDATE responses SET status = 'pending', decided_by = NULL WHERE id = ?", [id]);
    // Not announced now: the pending event was followed by a decision.
    assert.equal(await store.findAnnouncement(id), null);
    assert.equal((await store.announcementState(id))?.seq, null);
    assert.deepEqual(await store.unannounced(10), [id]);
    const again = appended(await store.announce(id, build));
    assert.equal(again.seq, 3);
    assert.deepEqual(await store.announce(id, build), { kind: "duplicate", seq: 3 });
    assert.equal(await store.findAnnouncement(id), 3);
    assert.deepEqual(await store.unannounced(10), []);
  });

  test("announcementState: the row with its current announcement, in one read", async ({ fx, store }) => {
    assert.equal(await store.announcementState(asResponseId(999_999)), null);
    const id = await insertRow(fx, { post_url: "https://vk.com/wall-7_8" });
    const before = await store.announcementState(id);
    assert.deepEqual(before, { row: await store.getResponse(id), seq: null });
    appended(await store.announce(id, build));
    const after = await store.announcementState(id);
    assert.equal(after?.seq, 1);
    assert.equal(after?.row.post_url, "https://vk.com/wall-7_8");
    await assert.rejects(store.announcementState(asResponseId(0)), RangeError);
  });

  test("announce stores a fetched text in its transaction, only where the row has none", async ({ fx, store }) => {
    const seen: Array<string | null> = [];
    const watching = (row: ResponseRow) => {
      seen.push(row.post_text);
      return build(row);
    };
    const bare = await insertRow(fx);
    appended(await store.announce(bare, watching, "fetched ✓"));
    assert.equal((await store.getResponse(bare))?.post_text, "fetched ✓");
    const kept = await insertRow(fx, { post_text: "stored" });
    appended(await store.announce(kept, watching, "fetched"));
    assert.equal((await store.getResponse(kept))?.post_text, "stored");
    assert.deepEqual(seen, ["fetched ✓", "stored"], "build sees the row as it will be stored");
    // A failed announcement stores nothing: the text and the event are one commit.
    const failing = await insertRow(fx);
    await assert.rejects(
      store.announce(failing, () => {
        throw new Error("render failed");
      }, "lost"),
      /render failed/,
    );
    assert.equal((await store.getResponse(failing))?.post_text, null);
    // A duplicate still stores a missing text, for the next SNAPSHOT.
    await fx.exec("UPDATE responses SET post_text = NULL WHERE id = ?", [bare]);
    assert.deepEqual(await store.announce(bare, build, "again"), { kind: "duplicate", seq: 1 });
    assert.equal((await store.getResponse(bare))?.post_text, "again");
    await assert.rejects(store.announce(bare, build, 5 as unknown as string), TypeError);
  });

  test("getResponse maps every column; setPostText fills only empty text", async ({ fx, store }) => {
    const id = await insertRow(fx, {
      platform: "telegram",
      post_url: "https://t.me/chan/789",
      author: "Автор ✓",
      created_at: "2026-07-08 09:10:11.012",
    });
    const row = await store.getResponse(id);
    assert.deepEqual({ ...row, created_at: row?.created_at.toISOString() }, {
      id,
      platform: "telegram",
      post_url: "https://t.me/chan/789",
      post_text: null,
      author: "Автор ✓",
      response_text: "proposed reply",
      status: "pending",
      created_at: "2026-07-08T09:10:11.012Z",
      decided_at: null,
      decided_by: null,
      reason: null,
    });
    assert.equal(await store.getResponse(asResponseId(77777)), null);
    await store.setPostText(id, "fetched 😀");
    await store.setPostText(id, "second fetch");
    assert.equal((await store.getResponse(id))?.post_text, "fetched 😀");
    const empty = await insertRow(fx, { post_text: "" });
    await store.setPostText(empty, "filled");
    assert.equal((await store.getResponse(empty))?.post_text, "filled");
  });

  test("bad inputs are rejected before the database", async ({ fx, store }) => {
    const id = await insertRow(fx);
    const bad = [0, -1, 1.5, Number.NaN, 2 ** 60].map(asResponseId);
    for (const b of bad) {
      await assert.rejects(store.announce(b, build), RangeError);
      await assert.rejects(store.getResponse(b), RangeError);
      await assert.rejects(store.findAnnouncement(b), RangeError);
      await assert.rejects(
        store.decide({ responseId: b, decision: "approved", by: "a", at }),
        RangeError,
      );
    }
    const decide = (over: Record<string, unknown>) =>
      store.decide({ responseId: id, decision: "approved", by: "a", at, ...over });
    await assert.rejects(decide({ decision: "maybe" }), RangeError);
    await assert.rejects(decide({ by: "" }), RangeError);
    await assert.rejects(decide({ by: "x".repeat(256) }), RangeError);
    await assert.rejects(decide({ at: new Date(Number.NaN) }), TypeError);
    await assert.rejects(decide({ text: "x".repeat(4097) }), RangeError);
    await assert.rejects(decide({ decision: "rejected", reason: "x".repeat(1025) }), RangeError);
    await assert.rejects(store.readSince(asSeq(-1), 10), RangeError);
    await assert.rejects(store.readSince(asSeq(0), 0), RangeError);
    await assert.rejects(store.readSince(asSeq(0.5), 10), RangeError);
    await assert.rejects(store.prune(new Date("nope")), TypeError);
    await assert.rejects(store.setPostText(id, 5 as unknown as string), TypeError);
    // Nothing above reached the log or the row.
    assert.equal(await store.head(), 0);
    assert.equal((await store.getResponse(id))?.status, "pending");
    // The limits themselves are accepted.
    appended(await decide({ text: "y".repeat(4096), by: "b".repeat(255) }));
  });

  test("observe receives each operation's name and duration", async ({ fx }) => {
    const seen: [string, number][] = [];
    const store = fx.open({ observe: (op, s) => seen.push([op, s]) });
    await store.init();
    await store.ping();
    await store.head();
    await store.snapshot();
    await assert.rejects(store.readSince(asSeq(-1), 1));
    assert.deepEqual(seen.map(([op]) => op), ["init", "ping", "head", "snapshot", "read_since"]);
    assert.ok(seen.every(([, s]) => s >= 0 && s < 60));
  });

  registerLogCases(h);
  registerConcurrencyCases(h);
  registerNodeCases(h);
  registerPresenceCases(h);
  registerRevocationCases(h);
  registerClaimCases(h);
  registerClaimCapCases(h);
  registerPendingScanCases(h);
  registerPublicationCases(h);
}
