/**
 * The v1.2 claim cases of the conformance suite (issue 13, row M5): a
 * renewal in the first half of a lease changes nothing and appends
 * nothing; from the midpoint on it extends the claim by a full lease with a
 * new event; a user holds at most `maxPerUser` live claims, also when their
 * claims race over two stores.
 * @module
 */
import assert from "node:assert/strict";
import type { ResponseId } from "../../src/protocol/types.ts";
import type { Store } from "../../src/store/store.ts";
import type { StoreHarness } from "./_fixtures.ts";
import { appended, assertContiguous, type Ctx, insertRow, readAll, storeTest } from "./_helpers.ts";

const T0 = Date.parse("2026-03-04T05:06:07.000Z");
const LEASE = 60_000;
const t = (ms: number) => new Date(T0 + ms);

const claimAt = (store: Store, id: ResponseId, by: string, ms: number, maxPerUser?: number) =>
  store.claim({
    responseId: id,
    by,
    at: t(ms),
    until: t(ms + LEASE),
    ...(maxPerUser === undefined ? {} : { maxPerUser }),
  });

/**
 * Registers the v1.2 claim cases for one implementation.
 * @param h makes fresh databases and stores of the implementation
 */
export function registerClaimCapCases(h: StoreHarness): void {
  const test = (name: string, fn: (ctx: Ctx) => Promise<void>) => storeTest(h, name, fn);

  test("v1.2 renewal: first half of the lease changes nothing, second half extends with an event", async ({ fx, store }) => {
    const id = await insertRow(fx);
    const first = appended(await claimAt(store, id, "bob", 0, 5));
    // 100 renewals in the first half: the claim as it stands, nothing appended.
    for (let ms = 1; ms < LEASE / 2; ms += 300) {
      assert.deepEqual(await claimAt(store, id, "bob", ms, 5), {
        kind: "current",
        seq: first.seq,
        holder: "bob",
        until: t(LEASE),
      });
    }
    assert.equal(await store.head(), 1, "first-half renewals append nothing");
    // At the midpoint: a full lease from now, a new event.
    const renewed = appended(await claimAt(store, id, "bob", LEASE / 2, 5));
    assert.equal(renewed.seq, 2);
    assert.equal(JSON.parse(renewed.frame).until, t(LEASE / 2 + LEASE).toISOString());
    // The new lease's first half answers the new event's seq.
    const again = await claimAt(store, id, "bob", LEASE / 2 + 1000, 5);
    assert.deepEqual(again, {
      kind: "current",
      seq: renewed.seq,
      holder: "bob",
      until: t(LEASE / 2 + LEASE),
    });
    // Another user is still refused, and appends nothing.
    assert.equal((await claimAt(store, id, "alice", LEASE / 2 + 2000, 5)).kind, "claimed");
    assert.equal(await store.head(), 2);
    assertContiguous(await readAll(store));
  });

  test("v1.2 cap: a user holds at most maxPerUser live claims; renewals, releases, lapses and others unaffected", async ({ fx, store }) => {
    const ids: ResponseId[] = [];
    for (let i = 0; i < 4; i++) ids.push(await insertRow(fx));
    const [a, b, c, d] = ids as [ResponseId, ResponseId, ResponseId, ResponseId];
    appended(await claimAt(store, a, "bob", 0, 2));
    appended(await claimAt(store, b, "bob", 0, 2));
    assert.deepEqual(await claimAt(store, c, "bob", 10, 2), { kind: "too_many_claims", limit: 2 });
    assert.equal(await store.head(), 2, "a refused claim appends nothing");
    assert.deepEqual(await store.claimsOf([c]), []);
    // Renewing one already held is not a new claim.
    appended(await claimAt(store, a, "bob", LEASE / 2, 2));
    // Another user has their own count.
    appended(await claimAt(store, c, "alice", 20, 2));
    // A release frees a place.
    appended(await store.release({ responseId: b, by: "bob", admin: false, at: t(100) }));
    appended(await claimAt(store, d, "bob", 200, 2));
    assert.equal((await claimAt(store, b, "bob", 300, 2)).kind, "too_many_claims");
    // Lapsed claims do not count: after both of bob's leases, two new ones.
    const later = LEASE / 2 + LEASE;
    appended(await claimAt(store, b, "bob", later, 2));
    appended(await claimAt(store, c, "bob", later + 1, 2));
    assert.equal((await claimAt(store, d, "bob", later + 2, 2)).kind, "too_many_claims");
    assertContiguous(await readAll(store));
  });

  test("v1.2 cap: one user's claims racing over two stores never pass the cap", async ({ fx, store }) => {
    const ids: ResponseId[] = [];
    for (let i = 0; i < 12; i++) ids.push(await insertRow(fx));
    const second = fx.open();
    await second.init();
    const nodes = [store, second];
    const results = await Promise.all(
      ids.map((id, i) => claimAt(nodes[i % 2]!, id, "bob", 0, 3)),
    );
    const kinds = results.map((r) => r.kind);
    assert.equal(kinds.filter((k) => k === "appended").length, 3, kinds.join());
    assert.equal(kinds.filter((k) => k === "too_many_claims").length, 9, kinds.join());
    const log = await readAll(store);
    assert.equal(log.length, 3);
    assertContiguous(log);
    await second.close();
  });
}
