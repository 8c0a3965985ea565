/**
 * The claim cases of the conformance suite (v1.1): taking, renewing,
 * lapsing and releasing claims, fencing of decisions, claims in snapshots,
 * and claimers racing in one process and from several processes.
 * @module
 */
import assert from "node:assert/strict";
import { claimHolds } from "../../src/protocol/claim_lapse.ts";
import { asResponseId, type ResponseId } from "../../src/protocol/types.ts";
import type { ClaimResult, Store } from "../../src/store/store.ts";
import type { StoreHarness } from "./_fixtures.ts";
import { appended, assertContiguous, type Ctx, insertRow, readAll, storeTest } from "./_helpers.ts";
import { build } from "./build.ts";

const WORKER = new URL("./_claim_worker.ts", import.meta.url);
const REPO_ROOT = new URL("../../", import.meta.url);
const T0 = Date.parse("2026-03-04T05:06:07.000Z");
const LEASE = 60_000;
const t = (ms: number) => new Date(T0 + ms);

/** A claim by `by` at `T0 + ms`, for the lease. */
const claimAt = (store: Store, responseId: ResponseId, by: string, ms: number) =>
  store.claim({ responseId, by, at: t(ms), until: t(ms + LEASE) });

/**
 * Registers the claim cases for one implementation.
 * @param h makes fresh databases and stores of the implementation
 */
export function registerClaimCases(h: StoreHarness): void {
  const test = (name: string, fn: (ctx: Ctx) => Promise<void>) => storeTest(h, name, fn);

  test("claim: taken, refused to another, renewed by its holder, taken over after lapse", async ({ fx, store }) => {
    const id = await insertRow(fx);
    const first = appended(await claimAt(store, id, "bob", 0));
    assert.equal(first.kind, "claimed");
    assert.deepEqual(JSON.parse(first.frame), {
      type: "EVENT",
      seq: 1,
      event: "claimed",
      response_id: id,
      by: "bob",
      until: t(LEASE).toISOString(),
    });
    assert.deepEqual(await claimAt(store, id, "alice", 1000), {
      kind: "claimed",
      holder: "bob",
      until: t(LEASE),
    });
    // A renewal is a new claimed event with the new until.
    const renewed = appended(await claimAt(store, id, "bob", 30_000));
    assert.equal(renewed.seq, 2);
    assert.equal(JSON.parse(renewed.frame).until, t(30_000 + LEASE).toISOString());
    // Just before the renewed until it still holds; at it, it has lapsed.
    const refused = await claimAt(store, id, "alice", 30_000 + LEASE - 1);
    assert.equal(refused.kind, "claimed");
    const taken = appended(await claimAt(store, id, "alice", 30_000 + LEASE));
    assert.equal(JSON.parse(taken.frame).by, "alice");
    assert.equal(await store.head(), 3, "refusals append nothing");
    assertContiguous(await readAll(store));
  });

  test("claim: not_found and not_pending append nothing", async ({ fx, store }) => {
    assert.deepEqual(await claimAt(store, asResponseId(999_999), "bob", 0), { kind: "not_found" });
    const done = await insertRow(fx, { status: "approved", decided_by: "olga" });
    assert.deepEqual(await claimAt(store, done, "bob", 0), {
      kind: "not_pending",
      status: "approved",
      decidedBy: "olga",
    });
    assert.equal(await store.head(), 0);
    await assert.rejects(
      store.claim({ responseId: done, by: "bob", at: t(0), until: t(0) }),
      RangeError,
    );
    await assert.rejects(
      store.claim({ responseId: done, by: "", at: t(0), until: t(1) }),
      RangeError,
    );
  });

  test("release: by the holder once; not_held after; refused to another operator; an admin may", async ({ fx, store }) => {
    const id = await insertRow(fx);
    appended(await claimAt(store, id, "bob", 0));
    assert.deepEqual(await store.release({ responseId: id, by: "alice", admin: false, at: t(1) }), {
      kind: "claimed",
      holder: "bob",
      until: t(LEASE),
    });
    const released = appended(
      await store.release({ responseId: id, by: "bob", admin: false, at: t(2) }),
    );
    assert.deepEqual(JSON.parse(released.frame), {
      type: "EVENT",
      seq: 2,
      event: "released",
      response_id: id,
      by: "bob",
    });
    assert.deepEqual(await store.release({ responseId: id, by: "bob", admin: false, at: t(3) }), {
      kind: "not_held",
    });
    // Free again: alice takes it, and an admin ends it.
    appended(await claimAt(store, id, "alice", 4));
    const byAdmin = appended(
      await store.release({ responseId: id, by: "root", admin: true, at: t(5) }),
    );
    assert.equal(JSON.parse(byAdmin.frame).by, "root");
    // A lapsed claim is no claim: nothing to release, for anyone.
    appended(await claimAt(store, id, "bob", 10));
    assert.deepEqual(
      await store.release({ responseId: id, by: "bob", admin: false, at: t(10 + LEASE) }),
      { kind: "not_held" },
    );
    assert.deepEqual(
      await store.release({ responseId: asResponseId(999_999), by: "bob", admin: false, at: t(0) }),
      { kind: "not_found" },
    );
    assert.equal(await store.head(), 5);
  });

  test("fencing: a decision by a non-holder is refused; the holder's decision ends the claim", async ({ fx, store }) => {
    const id = await insertRow(fx);
    appended(await store.announce(id, build));
    appended(await claimAt(store, id, "bob", 0));
    const refused = await store.decide({
      responseId: id,
      decision: "approved",
      by: "alice",
      at: t(1000),
    });
    assert.deepEqual(refused, { kind: "claimed", holder: "bob", until: t(LEASE) });
    assert.equal((await store.getResponse(id))?.status, "pending");
    const decided = appended(
      await store.decide({
        responseId: id,
        decision: "approved",
        by: "bob",
        at: t(2000),
        text: "ok",
      }),
    );
    assert.equal(decided.kind, "approved");
    assert.deepEqual(await store.claimsOf([id]), [], "the decision ended the claim");
    // After the decision, another's attempt is not_pending, not claimed.
    const late = await store.decide({
      responseId: id,
      decision: "rejected",
      by: "alice",
      at: t(3000),
    });
    assert.equal(late.kind, "not_pending");
    // A lapsed claim fences nobody.
    const other = await insertRow(fx);
    appended(await claimAt(store, other, "bob", 0));
    appended(
      await store.decide({ responseId: other, decision: "rejected", by: "alice", at: t(LEASE) }),
    );
    assert.deepEqual(await store.claimsOf([other]), []);
    assertContiguous(await readAll(store));
  });

  test("lapse boundary: the SQL holds a claim one ms before its until and not at it, as claimHolds says", async ({ fx, store }) => {
    const until = T0 + LEASE;
    for (const ms of [LEASE - 1, LEASE]) {
      const holds = claimHolds(until, T0 + ms);
      // Take-over (the upsert's `until_at <= ?`).
      const a = await insertRow(fx);
      appended(await claimAt(store, a, "bob", 0));
      assert.equal((await claimAt(store, a, "alice", ms)).kind, holds ? "claimed" : "appended");
      // Release (`until_at > ?`).
      const b = await insertRow(fx);
      appended(await claimAt(store, b, "bob", 0));
      const released = await store.release({ responseId: b, by: "bob", admin: false, at: t(ms) });
      assert.equal(released.kind, holds ? "appended" : "not_held", `release at +${ms}`);
      // Fencing of a decision (the lease arithmetic on the locked row).
      const c = await insertRow(fx);
      appended(await claimAt(store, c, "bob", 0));
      const decided = await store.decide({
        responseId: c,
        decision: "rejected",
        by: "alice",
        at: t(ms),
      });
      assert.equal(decided.kind, holds ? "claimed" : "appended", `decision at +${ms}`);
      // The per-user cap counts live claims only (`until_at > ?`).
      const d = await insertRow(fx);
      const e = await insertRow(fx);
      appended(await claimAt(store, d, "carol", 0));
      const capped = await store.claim({
        responseId: e,
        by: "carol",
        at: t(ms),
        until: t(ms + LEASE),
        maxPerUser: 1,
      });
      assert.equal(capped.kind, holds ? "too_many_claims" : "appended", `cap at +${ms}`);
      // Free every row for the next round's claims by the same users.
      for (const id of [a, d, e]) {
        await store.release({ responseId: id, by: "root", admin: true, at: t(ms) });
      }
    }
    assertContiguous(await readAll(store));
  });

  test("snapshot carries the stored claims of pending rows", async ({ fx, store }) => {
    const [a, b, c] = [await insertRow(fx), await insertRow(fx), await insertRow(fx)];
    appended(await claimAt(store, a, "bob", 0));
    appended(await claimAt(store, b, "alice", 0));
    appended(await store.decide({ responseId: b, decision: "approved", by: "alice", at: t(1) }));
    const snap = await store.snapshot();
    assert.equal(snap.seq, 3);
    assert.deepEqual([...snap.claims.entries()], [[a, { holder: "bob", until: t(LEASE) }]]);
    assert.deepEqual(snap.rows.map((r) => r.id), [a, c]);
    const stored = await store.claimsOf([a, b, c]);
    assert.deepEqual(stored, [{ responseId: a, holder: "bob", until: t(LEASE) }]);
  });

  test("ten claimers race on 50 responses over two stores: one claim and one event each", async ({ fx, store }) => {
    const ids: ResponseId[] = [];
    for (let i = 0; i < 50; i++) ids.push(await insertRow(fx));
    const second = fx.open();
    await second.init();
    const nodes = [store, second];
    const now = Date.now();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, op) =>
        Promise.all(
          ids.map((id) =>
            nodes[op % 2]!.claim({
              responseId: id,
              by: `op${op}`,
              at: new Date(now),
              until: new Date(now + LEASE),
            }).then((r) => ({ op, id, r }))
          ),
        )),
    );
    const winners = new Map<number, string>();
    for (const { op, id, r } of results.flat()) {
      if (r.kind === "appended") {
        assert.ok(!winners.has(id), `response ${id} claimed twice`);
        winners.set(id, `op${op}`);
      }
    }
    assert.equal(winners.size, ids.length);
    for (const { id, r } of results.flat()) {
      if (r.kind !== "appended") {
        assert.equal(r.kind, "claimed", JSON.stringify(r));
        assert.equal((r as Extract<ClaimResult, { kind: "claimed" }>).holder, winners.get(id));
      }
    }
    const log = await readAll(store);
    assertContiguous(log);
    assert.equal(log.length, ids.length);
    for (const e of log) assert.equal(JSON.parse(e.frame).by, winners.get(e.responseId));
  });

  test("claimer processes race on shared responses: exactly one claim each, across processes", async ({ fx, store }) => {
    const shared: number[] = [];
    for (let i = 0; i < 40; i++) shared.push(await insertRow(fx));
    const startAt = Date.now() + 1500; // every process is up and initialised by then
    const workers = [1, 2, 3, 4].map((worker) =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-net=127.0.0.1",
          "--allow-env",
          "--allow-read",
          "--allow-write",
          WORKER.pathname,
          JSON.stringify({ target: fx.target, worker, shared, startAt, leaseMs: LEASE }),
        ],
        cwd: REPO_ROOT.pathname,
        stdout: "piped",
        stderr: "piped",
      }).output()
    );
    const won = new Map<number, string>();
    const refusals: Array<{ id: number; holder: string }> = [];
    for (const out of await Promise.all(workers)) {
      assert.equal(out.code, 0, `worker failed: ${new TextDecoder().decode(out.stderr)}`);
      const report = JSON.parse(new TextDecoder().decode(out.stdout).trim()) as {
        by: string;
        won: number[];
        refused: Array<{ id: number; holder: string }>;
      };
      for (const id of report.won) {
        assert.ok(!won.has(id), `response ${id} won by ${won.get(id)} and ${report.by}`);
        won.set(id, report.by);
      }
      refusals.push(...report.refused);
    }
    assert.equal(won.size, shared.length, "every shared response claimed once");
    assert.equal(refusals.length, shared.length * 3, "every other attempt refused");
    for (const r of refusals) assert.equal(r.holder, won.get(r.id), "a refusal names the holder");
    const log = await readAll(store);
    assertContiguous(log);
    assert.equal(log.length, shared.length);
    for (const e of log) assert.equal(JSON.parse(e.frame).by, won.get(e.responseId));
  });
}
