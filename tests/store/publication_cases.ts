/**
 * The publication cases of the conformance suite (v1.2, PROTOCOL.md §3.4):
 * the undo window, the scheduler's step, TAKE, the reports and RETRY, and
 * the races between processes that each transition must win exactly once.
 * @module
 */
import assert from "node:assert/strict";
import {
  asResponseId,
  asSafeHtml,
  type Platform,
  type ResponseId,
} from "../../src/protocol/types.ts";
import type { CardBuilder, TakenJob } from "../../src/publication/store_types.ts";
import type { Store, StoredEvent } from "../../src/store/store.ts";
import type { StoreHarness } from "./_fixtures.ts";
import { appended, assertContiguous, type Ctx, insertRow, readAll, storeTest } from "./_helpers.ts";

/** Asserts any pipeline result is `appended` and returns its event. */
function got(r: { readonly kind: string }): StoredEvent {
  assert.equal(r.kind, "appended", `expected appended, got ${JSON.stringify(r)}`);
  return (r as unknown as { event: StoredEvent }).event;
}

const T0 = Date.parse("2026-03-04T05:06:07.000Z");
const t = (ms: number) => new Date(T0 + ms);
const WINDOW = 10_000;
const LEASE = 60_000;
const MAX = 3;

const card: CardBuilder = (row) => ({
  response_id: row.id,
  platform: row.platform as Platform,
  post_url: row.post_url,
  html: asSafeHtml(`<p>${row.response_text}</p>`),
});

/** Approves (or rejects) at `T0 + ms` with the test window. */
const decide = (
  store: Store,
  id: ResponseId,
  ms = 0,
  extra: { by?: string; decision?: "approved" | "rejected"; text?: string } = {},
) =>
  store.decide({
    responseId: id,
    decision: extra.decision ?? "approved",
    by: extra.by ?? "alice",
    at: t(ms),
    undoUntil: t(ms + WINDOW),
    ...(extra.text === undefined ? {} : { text: extra.text }),
  });

const advance = (store: Store, ms: number) =>
  store.advancePublications({ at: t(ms), maxAttempts: MAX, limit: 100 });

const take = (store: Store, ms: number, by = "pub1", max = 20) =>
  store.take({ by, max, at: t(ms), leaseUntil: t(ms + LEASE) });

const fail = (
  store: Store,
  id: ResponseId,
  attempt: number,
  ms: number,
  by = "pub1",
  retryable = true,
) =>
  store.publishFailed({
    responseId: id,
    attempt,
    by,
    at: t(ms),
    reason: "HTTP 503 from the platform",
    retryable,
    maxAttempts: MAX,
    nextDueAt: t(ms + 1000),
  });

/** A response approved at T0 and queued by the scheduler at the window's end. */
async function queued(ctx: Ctx, row: Parameters<typeof insertRow>[1] = {}): Promise<ResponseId> {
  const id = await insertRow(ctx.fx, row);
  appended(await decide(ctx.store, id));
  await advance(ctx.store, WINDOW);
  return id;
}

/**
 * Registers the publication cases for one implementation.
 * @param h makes fresh databases and stores of the implementation
 */
export function registerPublicationCases(h: StoreHarness): void {
  const test = (name: string, fn: (ctx: Ctx) => Promise<void>) => storeTest(h, name, fn);

  test("publication: a decision carries undo_until; the decider undoes it, the edit restored", async ({ fx, store }) => {
    const id = await insertRow(fx, { response_text: "proposed" });
    const decided = appended(await decide(store, id, 0, { text: "edited" }));
    assert.equal(JSON.parse(decided.frame).undo_until, t(WINDOW).toISOString());
    const [held] = await store.publicationsOf([id]);
    assert.equal(held?.state, "held");
    assert.equal(held?.originalText, "proposed");
    const undone = await store.undo({
      responseId: id,
      by: "alice",
      admin: false,
      at: t(WINDOW - 1),
    }, card);
    const event = got(undone);
    const frame = JSON.parse(event.frame);
    assert.equal(frame.event, "reopened");
    assert.equal(frame.by, "alice");
    assert.equal(frame.html, "<p>proposed</p>");
    const row = await store.getResponse(id);
    assert.equal(row?.status, "pending");
    assert.equal(row?.response_text, "proposed");
    assert.equal(row?.decided_by, null);
    assert.equal(row?.decided_at, null);
    assert.deepEqual(await store.publicationsOf([id]), []);
    // An SR now is a duplicate of the reopened event; a new decision works.
    assert.equal(await store.findAnnouncement(id), event.seq);
    appended(await decide(store, id, 20_000, { by: "bob", decision: "rejected" }));
    assertContiguous(await readAll(store));
  });

  test("publication: undo refused — forbidden, too_late, bad_state, not_found; an admin may", async ({ fx, store }) => {
    const id = await insertRow(fx);
    assert.deepEqual(
      await store.undo({ responseId: id, by: "alice", admin: false, at: t(0) }, card),
      { kind: "bad_state", state: "pending" },
    );
    assert.deepEqual(
      await store.undo(
        { responseId: asResponseId(999_999), by: "a", admin: false, at: t(0) },
        card,
      ),
      { kind: "not_found" },
    );
    appended(await decide(store, id));
    assert.deepEqual(
      await store.undo({ responseId: id, by: "bob", admin: false, at: t(1) }, card),
      { kind: "forbidden", decidedBy: "alice" },
    );
    const late = await store.undo(
      { responseId: id, by: "alice", admin: false, at: t(WINDOW) },
      card,
    );
    assert.equal(late.kind, "too_late");
    const head = await store.head();
    got(await store.undo({ responseId: id, by: "root", admin: true, at: t(WINDOW - 1) }, card));
    assert.equal(await store.head(), head + 1, "refusals appended nothing");
  });

  test("publication: the window's end queues an approval once, settles a rejection silently", async ({ fx, store }) => {
    const a = await insertRow(fx);
    const r = await insertRow(fx);
    appended(await decide(store, a));
    appended(await decide(store, r, 0, { decision: "rejected" }));
    assert.equal((await advance(store, WINDOW - 1)).events.length, 0, "not before undo_until");
    const step = await advance(store, WINDOW);
    assert.equal(step.settled, 1);
    assert.equal(step.events.length, 1);
    assert.deepEqual(JSON.parse(step.events[0]!.frame), {
      type: "EVENT",
      seq: step.events[0]!.seq,
      event: "queued",
      response_id: a,
      attempt: 1,
      due_at: t(WINDOW).toISOString(),
      maybe_applied: false,
    });
    assert.equal((await advance(store, WINDOW + 5000)).events.length, 0, "once");
    assert.equal(
      (await store.undo({ responseId: r, by: "alice", admin: false, at: t(WINDOW + 1) }, card))
        .kind,
      "too_late",
    );
    assert.equal(
      (await store.undo({ responseId: a, by: "alice", admin: false, at: t(WINDOW - 1) }, card))
        .kind,
      "too_late",
      "a queued publication cannot be undone even by a clock behind",
    );
    const [pa, pr] = await store.publicationsOf([a, r]).then((
      rows,
    ) => [rows.find((x) => x.responseId === a), rows.find((x) => x.responseId === r)]);
    assert.equal(pa?.state, "queued");
    assert.equal(pr?.state, "rejected");
  });

  test("publication: take hands out due jobs oldest first, by platform, at most max", async ({ fx, store }) => {
    const ids: ResponseId[] = [];
    for (let i = 0; i < 4; i++) {
      const id = await insertRow(fx, {
        platform: i % 2 === 0 ? "vk" : "telegram",
        post_url: i % 2 === 0 ? "https://vk.com/wall-1_2" : "https://t.me/c/3",
        response_text: `reply ${i}`,
      });
      appended(await decide(store, id, i * 100));
      ids.push(id);
    }
    await advance(store, WINDOW + 1000);
    assert.deepEqual(
      await store.take({ by: "m", max: 5, at: t(WINDOW - 1), leaseUntil: t(LEASE) }),
      [],
    );
    const vk = await store.take({
      by: "m",
      platforms: ["vk"],
      max: 5,
      at: t(WINDOW + 1000),
      leaseUntil: t(WINDOW + LEASE),
    });
    assert.deepEqual(vk.map((j) => j.responseId), [ids[0], ids[2]]);
    assert.equal(vk[0]!.text, "reply 0");
    assert.equal(vk[0]!.attempt, 1);
    assert.equal(vk[0]!.maybeApplied, false);
    assert.equal(vk[0]!.decidedBy, "alice");
    assert.deepEqual(JSON.parse(vk[0]!.event.frame), {
      type: "EVENT",
      seq: vk[0]!.event.seq,
      event: "publishing",
      response_id: ids[0],
      by: "m",
      attempt: 1,
      lease_until: t(WINDOW + LEASE).toISOString(),
    });
    const one = await take(store, WINDOW + 1000, "n", 1);
    assert.deepEqual(one.map((j) => j.responseId), [ids[1]]);
    assert.deepEqual((await take(store, WINDOW + 1000)).map((j) => j.responseId), [ids[3]]);
    assert.deepEqual(await take(store, WINDOW + 1000), []);
    assertContiguous(await readAll(store));
  });

  test("publication: a lapsed lease re-queues with maybe_applied; after the last attempt it fails", async (ctx) => {
    const { store } = ctx;
    const id = await queued(ctx);
    let now = WINDOW;
    for (let attempt = 1; attempt <= MAX; attempt++) {
      const [job] = await take(store, now);
      assert.equal(job?.attempt, attempt);
      assert.equal(job?.maybeApplied, attempt > 1);
      assert.equal(
        (await advance(store, now + LEASE - 1)).events.length,
        0,
        "not before the lease ends",
      );
      now += LEASE;
      const step = await advance(store, now);
      assert.equal(step.events.length, 1);
      const frame = JSON.parse(step.events[0]!.frame);
      if (attempt < MAX) {
        assert.equal(frame.event, "queued");
        assert.equal(frame.attempt, attempt + 1);
        assert.equal(frame.maybe_applied, true);
      } else {
        assert.equal(frame.event, "publish_failed");
        assert.equal(frame.final, true);
        assert.equal(frame.due_at, null);
        assert.equal(frame.by, "pub1");
      }
    }
    const [row] = await store.publicationsOf([id]);
    assert.equal(row?.state, "failed");
    assert.equal(row?.attemptsTaken, MAX);
    assert.equal(row?.maybeApplied, true);
  });

  test("publication: failures — retryable re-queues at due_at, stale, not the holder, final", async (ctx) => {
    const { store } = ctx;
    const id = await queued(ctx);
    await take(store, WINDOW);
    assert.deepEqual(await fail(store, id, 1, WINDOW + 1, "other"), {
      kind: "not_holder",
      holder: "pub1",
    });
    assert.deepEqual(await fail(store, id, 2, WINDOW + 1), {
      kind: "bad_state",
      state: "publishing",
    });
    const first = await fail(store, id, 1, WINDOW + 1);
    assert.equal(first.kind, "appended");
    const frame = JSON.parse((first as { event: { frame: string } }).event.frame);
    assert.equal(frame.event, "publish_failed");
    assert.equal(frame.final, false);
    assert.equal(frame.due_at, t(WINDOW + 1001).toISOString());
    assert.deepEqual(await fail(store, id, 1, WINDOW + 2), { kind: "stale" });
    assert.deepEqual(await take(store, WINDOW + 1000), [], "not due yet");
    const [again] = await take(store, WINDOW + 1001, "pub2");
    assert.equal(again?.attempt, 2);
    assert.equal(again?.maybeApplied, false, "a reported failure is not an unknown outcome");
    assert.deepEqual(await fail(store, id, 1, WINDOW + 1002), { kind: "stale" });
    const final = await fail(store, id, 2, WINDOW + 1002, "pub2", false);
    assert.equal(final.kind, "appended");
    assert.equal((final as { final: boolean }).final, true);
    assert.deepEqual(await fail(store, id, 2, WINDOW + 1003, "pub2"), {
      kind: "bad_state",
      state: "failed",
    });
    const [row] = await store.publicationsOf([id]);
    assert.equal(row?.state, "failed");
    assert.equal(row?.lastError, "HTTP 503 from the platform");
  });

  test("publication: published — late success after re-queue, duplicate, bad_state", async (ctx) => {
    const { store, fx } = ctx;
    const held = await insertRow(fx);
    appended(await decide(store, held));
    const report = (id: ResponseId, attempt: number, ms: number) =>
      store.published({
        responseId: id,
        attempt,
        by: "pub1",
        at: t(ms),
        platformRef: "wall-1_99",
        url: "https://vk.com/wall-1_2?reply=99",
      });
    assert.deepEqual(await report(held, 1, 1), { kind: "bad_state", state: "held" });
    got(await store.undo({ responseId: held, by: "alice", admin: false, at: t(2) }, card));
    const id = await queued(ctx);
    await take(store, WINDOW);
    await advance(store, WINDOW + LEASE); // attempt 1 lapses: attempt 2 queued
    assert.deepEqual(await report(id, 3, WINDOW + LEASE + 1), {
      kind: "unknown_attempt",
      attemptsTaken: 1,
    });
    const late = await report(id, 1, WINDOW + LEASE + 1);
    assert.equal(late.kind, "appended");
    const { event, decidedAt } = late as { event: { seq: number; frame: string }; decidedAt: Date };
    assert.equal(decidedAt.getTime(), T0);
    assert.deepEqual(JSON.parse(event.frame), {
      type: "EVENT",
      seq: event.seq,
      event: "published",
      response_id: id,
      by: "pub1",
      attempt: 1,
      at: t(WINDOW + LEASE + 1).toISOString(),
      platform_ref: "wall-1_99",
      url: "https://vk.com/wall-1_2?reply=99",
    });
    assert.deepEqual(await report(id, 2, WINDOW + LEASE + 2), {
      kind: "duplicate",
      seq: event.seq,
    });
    assert.deepEqual(await take(store, WINDOW + LEASE + 5), [], "nothing left to take");
    const [row] = await store.publicationsOf([id]);
    assert.equal(row?.state, "published");
    assert.equal(row?.publishedAt?.getTime(), T0 + WINDOW + LEASE + 1);
    const stats = await store.publicationStats();
    assert.equal(stats.byState.published, 1);
    assert.equal(stats.byState.held, 0);
    assert.equal(stats.oldestUnpublished, null);
    const fresh = await insertRow(fx);
    appended(await decide(store, fresh, 5));
    const after = await store.publicationStats();
    assert.equal(after.byState.held, 1);
    assert.equal(after.oldestUnpublished?.getTime(), T0 + 5);
  });

  test("publication: retry puts a failed publication back with the next attempt", async (ctx) => {
    const { store } = ctx;
    const id = await queued(ctx);
    assert.deepEqual(await store.retry({ responseId: id, by: "root", at: t(1) }), {
      kind: "bad_state",
      state: "queued",
    });
    await take(store, WINDOW);
    got(await fail(store, id, 1, WINDOW + 1, "pub1", false));
    const retried = await store.retry({ responseId: id, by: "root", at: t(WINDOW + 5) });
    const frame = JSON.parse(got(retried).frame);
    assert.equal(frame.event, "queued");
    assert.equal(frame.attempt, 2);
    assert.equal(frame.due_at, t(WINDOW + 5).toISOString());
    const [job] = await take(store, WINDOW + 5);
    assert.equal(job?.attempt, 2);
  });

  test("publication: the snapshot lists decisions in flight, oldest first", async (ctx) => {
    const { store, fx } = ctx;
    const done = await queued(ctx);
    await take(store, WINDOW);
    await store.published({
      responseId: done,
      attempt: 1,
      by: "p",
      at: t(WINDOW + 1),
      platformRef: null,
      url: null,
    });
    const inWindow = await insertRow(fx);
    appended(await decide(store, inWindow, WINDOW + 2, { decision: "rejected" }));
    const queuedId = await insertRow(fx);
    appended(await decide(store, queuedId, WINDOW + 3));
    await advance(store, WINDOW + 3 + WINDOW);
    const stillHeld = await insertRow(fx);
    appended(await decide(store, stillHeld, WINDOW + 3 + WINDOW));
    const snap = await store.snapshot();
    assert.deepEqual(snap.inFlight?.map((r) => [r.responseId, r.state]), [
      [queuedId, "queued"],
      [stillHeld, "held"],
    ], "published and settled rejections are not in flight");
  });

  test("publication: a decision made before v1.2 (no queue row) is left alone", async ({ fx, store }) => {
    const id = await insertRow(fx, { status: "approved", decided_by: "old" });
    assert.deepEqual(
      await store.published({
        responseId: id,
        attempt: 1,
        by: "p",
        at: t(0),
        platformRef: null,
        url: null,
      }),
      { kind: "bad_state", state: "published" },
    );
    assert.deepEqual(await store.retry({ responseId: id, by: "root", at: t(0) }), {
      kind: "bad_state",
      state: "published",
    });
    assert.deepEqual(
      await store.undo({ responseId: id, by: "old", admin: false, at: t(0) }, card),
      { kind: "too_late", undoUntil: null },
    );
    assert.deepEqual(await take(store, 0), []);
    assert.equal(await store.head(), 0, "nothing appended");
  });

  test("publication: five takers racing on one queue get every job once", async (ctx) => {
    const { store, fx } = ctx;
    const ids: ResponseId[] = [];
    for (let i = 0; i < 40; i++) {
      const id = await insertRow(fx);
      appended(await decide(store, id, i));
      ids.push(id);
    }
    await advance(store, WINDOW + 100);
    const nodes: Store[] = [store];
    for (let i = 0; i < 4; i++) {
      const s = fx.open();
      await s.init();
      nodes.push(s);
    }
    const taken: TakenJob[] = [];
    await Promise.all(nodes.map(async (node, i) => {
      for (;;) {
        const jobs = await take(node, WINDOW + 100, `pub${i}`, 3);
        if (jobs.length === 0) return;
        taken.push(...jobs);
      }
    }));
    assert.equal(taken.length, ids.length);
    assert.equal(new Set(taken.map((j) => j.responseId)).size, ids.length, "no job twice");
    assertContiguous(await readAll(store));
  });

  test("publication: two processes stepping the scheduler at once make each step once", async (ctx) => {
    const { store, fx } = ctx;
    for (let i = 0; i < 30; i++) appended(await decide(store, await insertRow(fx), i));
    const other = fx.open();
    await other.init();
    const steps = await Promise.all(
      [store, other, store, other].map((s) => advance(s, WINDOW + 100)),
    );
    const events = steps.flatMap((s) => s.events);
    assert.equal(events.length, 30);
    assert.equal(new Set(events.map((e) => e.responseId)).size, 30);
    assertContiguous(await readAll(store));
  });
}
