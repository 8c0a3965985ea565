/**
 * The `CLAIM` and `RELEASE` handlers (`src/commands/claims.ts`) against a
 * fake `Store` that answers each result kind, on the fake clock: the frame
 * each kind answers, what the handler asks the store (the lease end, the
 * cap, the admin flag), and that exactly the appended events reach the
 * fan-out — a `CLAIM` or `RELEASE` that stops publishing its event fails here.
 */
import assert from "node:assert/strict";
import type { Identity } from "../../src/auth/jwt.ts";
import { TokenAuthority } from "../../src/auth/jwt.ts";
import { claimResponse, releaseResponse } from "../../src/commands/claims.ts";
import type { CommandDeps } from "../../src/commands/context.ts";
import type { EventFanout } from "../../src/fanout/event_fanout.ts";
import { silentLogger } from "../../src/logging/logger.ts";
import { asResponseId, asSeq, type Role } from "../../src/protocol/types.ts";
import {
  type ClaimRequest,
  type ClaimResult,
  type ReleaseRequest,
  type ReleaseResult,
  type Store,
  type StoredEvent,
  StoreUnavailableError,
} from "../../src/store/store.ts";
import { FakeClock } from "../_support/fake_clock.ts";

const NOW = Date.parse("2026-03-04T05:06:07.000Z");
const LEASE = 120_000;
const ID = asResponseId(3);
const EVENT = {
  seq: asSeq(7),
  kind: "claimed",
  responseId: ID,
  frame: '{"type":"EVENT","seq":7}',
} as StoredEvent;

/** A store whose `claim` and `release` answer `result` and remember what they were asked. */
class FakeClaimStore {
  readonly claims: ClaimRequest[] = [];
  readonly releases: ReleaseRequest[] = [];
  constructor(readonly result: ClaimResult | ReleaseResult | Error) {}
  #answer<T>(): Promise<T> {
    const r = this.result;
    return r instanceof Error ? Promise.reject(r) : Promise.resolve(r as T);
  }
  claim(c: ClaimRequest): Promise<ClaimResult> {
    this.claims.push(c);
    return this.#answer();
  }
  release(r: ReleaseRequest): Promise<ReleaseResult> {
    this.releases.push(r);
    return this.#answer();
  }
}

/** The fan-out: what was published. */
class RecordingFanout implements EventFanout {
  readonly published: StoredEvent[] = [];
  publish(event: StoredEvent): void {
    this.published.push(event);
  }
}

function deps(
  result: ClaimResult | ReleaseResult | Error,
  options: { ready?: boolean; maxPerUser?: number } = {},
) {
  const store = new FakeClaimStore(result);
  const fanout = new RecordingFanout();
  const clock = new FakeClock(NOW);
  const d: CommandDeps = {
    auth: new TokenAuthority("x".repeat(32)),
    store: store as unknown as Store,
    clock,
    logger: silentLogger,
    isReady: () => options.ready ?? true,
    processPending: () => Promise.reject(new Error("not a CLAIM's business")),
    claimLeaseMs: LEASE,
    fanout,
    ...(options.maxPerUser === undefined ? {} : { claimMaxPerUser: options.maxPerUser }),
  };
  return { d, store, fanout };
}

const who = (role: Role, sub = "alice"): Identity => ({ sub, role, exp: 0 });
const claim = { type: "CLAIM", id: "c1", response_id: ID } as const;
const release = { type: "RELEASE", id: "r1", response_id: ID } as const;
const untilIso = new Date(NOW + LEASE).toISOString();
const heldUntil = new Date(NOW + 30_000);

const claimCases: Array<[string, ClaimResult | Error, Record<string, unknown>, number]> = [
  ["appended", { kind: "appended", event: EVENT }, {
    type: "ACK",
    id: "c1",
    response_id: ID,
    seq: 7,
    duplicate: false,
    claimed_by: "alice",
    claim_until: untilIso,
  }, 1],
  ["current (a renewal in the first half of the lease)", {
    kind: "current",
    seq: asSeq(5),
    holder: "alice",
    until: heldUntil,
  }, {
    type: "ACK",
    id: "c1",
    response_id: ID,
    seq: 5,
    duplicate: false,
    claimed_by: "alice",
    claim_until: heldUntil.toISOString(),
  }, 0],
  ["too_many_claims", { kind: "too_many_claims", limit: 3 }, {
    type: "ERROR",
    id: "c1",
    code: "too_many_claims",
    retryable: false,
    limit: 3,
  }, 0],
  ["claimed", { kind: "claimed", holder: "bob", until: heldUntil }, {
    type: "ERROR",
    id: "c1",
    code: "claimed",
    retryable: false,
    claimed_by: "bob",
    claim_until: heldUntil.toISOString(),
  }, 0],
  ["not_found", { kind: "not_found" }, { type: "ERROR", id: "c1", code: "not_found" }, 0],
  ["not_pending", { kind: "not_pending", status: "approved", decidedBy: "bob" }, {
    type: "ERROR",
    id: "c1",
    code: "not_pending",
    status: "approved",
    decided_by: "bob",
  }, 0],
  ["a database that does not answer", new StoreUnavailableError("down"), {
    type: "ERROR",
    code: "unavailable",
    retryable: true,
  }, 0],
  ["a bug", new Error("boom"), { type: "ERROR", code: "internal" }, 0],
];

for (const [name, result, expected, publishes] of claimCases) {
  Deno.test(`CLAIM, store says ${name}: ${expected.type} ${expected.code ?? ""}`, async () => {
    const { d, fanout } = deps(result);
    const frame = await claimResponse(who("operator"), claim, d);
    for (const [k, v] of Object.entries(expected)) assert.deepEqual(frame[k], v, k);
    assert.equal(fanout.published.length, publishes, "only an appended claim is published");
    if (publishes) assert.equal(fanout.published[0], EVENT, "the store's event, as appended");
  });
}

Deno.test("CLAIM asks the store for the lease from the clock's now, as the caller, with the cap when set", async () => {
  const capped = deps({ kind: "appended", event: EVENT }, { maxPerUser: 4 });
  await claimResponse(who("admin", "root"), claim, capped.d);
  assert.deepEqual(capped.store.claims, [{
    responseId: ID,
    by: "root",
    at: new Date(NOW),
    until: new Date(NOW + LEASE),
    maxPerUser: 4,
  }]);
  const uncapped = deps({ kind: "appended", event: EVENT });
  await claimResponse(who("operator"), claim, uncapped.d);
  assert.equal("maxPerUser" in uncapped.store.claims[0]!, false, "no cap configured: none asked");
});

Deno.test("CLAIM: a module is forbidden and a server not ready is unavailable, the store untouched", async () => {
  const forbidden = deps({ kind: "appended", event: EVENT });
  const f = await claimResponse(who("module"), claim, forbidden.d);
  assert.equal(f.type === "ERROR" && f.code, "forbidden");
  const down = deps({ kind: "appended", event: EVENT }, { ready: false });
  const u = await claimResponse(who("operator"), claim, down.d);
  assert.equal(u.type === "ERROR" && u.code, "unavailable");
  assert.equal(u.retryable, true);
  assert.deepEqual([...forbidden.store.claims, ...down.store.claims], []);
  assert.deepEqual([...forbidden.fanout.published, ...down.fanout.published], []);
});

Deno.test("CLAIM without an id answers without one", async () => {
  const { d } = deps({ kind: "appended", event: EVENT });
  const frame = await claimResponse(who("operator"), { type: "CLAIM", response_id: ID }, d);
  assert.equal("id" in frame, false);
});

const releaseCases: Array<[string, ReleaseResult | Error, Record<string, unknown>, number]> = [
  ["appended", { kind: "appended", event: EVENT }, {
    type: "ACK",
    id: "r1",
    response_id: ID,
    seq: 7,
    duplicate: false,
  }, 1],
  ["not_held (a duplicate)", { kind: "not_held" }, {
    type: "ACK",
    id: "r1",
    response_id: ID,
    duplicate: true,
    seq: undefined,
  }, 0],
  ["claimed (another's claim)", { kind: "claimed", holder: "bob", until: heldUntil }, {
    type: "ERROR",
    code: "claimed",
    claimed_by: "bob",
    claim_until: heldUntil.toISOString(),
  }, 0],
  ["not_found", { kind: "not_found" }, { type: "ERROR", code: "not_found" }, 0],
  ["a database that does not answer", new StoreUnavailableError("down"), {
    type: "ERROR",
    code: "unavailable",
  }, 0],
];

for (const [name, result, expected, publishes] of releaseCases) {
  Deno.test(`RELEASE, store says ${name}: ${expected.type} ${expected.code ?? ""}`, async () => {
    const { d, fanout } = deps(result);
    const frame = await releaseResponse(who("operator"), release, d);
    for (const [k, v] of Object.entries(expected)) assert.deepEqual(frame[k], v, k);
    assert.equal(fanout.published.length, publishes, "only an appended release is published");
  });
}

Deno.test("RELEASE asks as the caller at the clock's now; only an admin's may end another's claim", async () => {
  for (const [role, admin] of [["operator", false], ["admin", true]] as const) {
    const { d, store } = deps({ kind: "not_held" });
    await releaseResponse(who(role), release, d);
    assert.deepEqual(store.releases, [{ responseId: ID, by: "alice", admin, at: new Date(NOW) }]);
  }
  const { d, store } = deps({ kind: "not_held" });
  const f = await releaseResponse(who("module"), release, d);
  assert.equal(f.type === "ERROR" && f.code, "forbidden");
  assert.deepEqual(store.releases, []);
});
