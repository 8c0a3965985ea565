/**
 * The decision and announcement handlers against a fake `Store` that returns
 * each result kind: the frame each one answers, and that exactly the
 * appended events reach the fan-out.
 */
import assert from "node:assert/strict";
import type { Identity } from "../../src/auth/jwt.ts";
import { TokenAuthority } from "../../src/auth/jwt.ts";
import type { CommandDeps } from "../../src/commands/context.ts";
import { decideResponse, submitResponse } from "../../src/commands/handlers.ts";
import type { EventFanout } from "../../src/fanout/event_fanout.ts";
import { silentLogger } from "../../src/logging/logger.ts";
import { asResponseId, asSeq, type Role } from "../../src/protocol/types.ts";
import {
  type DecideResult,
  type Store,
  type StoredEvent,
  StoreUnavailableError,
} from "../../src/store/store.ts";
import { FakeClock } from "../_support/fake_clock.ts";

const EVENT: StoredEvent = {
  seq: asSeq(7),
  kind: "approved",
  responseId: asResponseId(3),
  frame: '{"type":"EVENT","seq":7}',
} as StoredEvent;

function deps(result: DecideResult | Error, ready = true) {
  const published: StoredEvent[] = [];
  const fanout: EventFanout = { publish: (e) => published.push(e) };
  const answer = () => result instanceof Error ? Promise.reject(result) : Promise.resolve(result);
  const store = { decide: answer } as unknown as Store;
  const d: CommandDeps = {
    auth: new TokenAuthority("x".repeat(32)),
    store,
    clock: new FakeClock(),
    logger: silentLogger,
    isReady: () => ready,
    processPending: () => answer() as ReturnType<CommandDeps["processPending"]>,
    claimLeaseMs: 120_000,
    fanout,
  };
  return { d, published };
}

const who = (role: Role): Identity => ({ sub: "alice", role, exp: 0 });
const approve = { type: "APPROVED", id: "a1", response_id: asResponseId(3) } as const;

const cases: Array<[string, DecideResult | Error, Record<string, unknown>, number]> = [
  ["appended", { kind: "appended", event: EVENT }, { type: "ACK", seq: 7, duplicate: false }, 1],
  ["duplicate", { kind: "duplicate", seq: asSeq(5) }, { type: "ACK", seq: 5, duplicate: true }, 0],
  ["not_found", { kind: "not_found" }, { type: "ERROR", code: "not_found" }, 0],
  [
    "not_pending",
    { kind: "not_pending", status: "rejected", decidedBy: "bob" },
    { type: "ERROR", code: "not_pending", status: "rejected", decided_by: "bob" },
    0,
  ],
  [
    "claimed",
    { kind: "claimed", holder: "bob", until: new Date(1_700_000_060_000) },
    { type: "ERROR", code: "claimed", claimed_by: "bob" },
    0,
  ],
  ["a database that does not answer", new StoreUnavailableError("down"), {
    type: "ERROR",
    code: "unavailable",
    retryable: true,
  }, 0],
  ["a bug", new Error("boom"), { type: "ERROR", code: "internal" }, 0],
];

for (const [name, result, expected, publishes] of cases) {
  Deno.test(`APPROVED, store says ${name}: ${expected.type} ${expected.code ?? ""}`, async () => {
    const { d, published } = deps(result);
    const frame = await decideResponse(who("operator"), approve, d);
    assert.equal(frame.id, "a1", "the reply carries the command's id");
    for (const [k, v] of Object.entries(expected)) assert.deepEqual((frame as never)[k], v, k);
    assert.equal(published.length, publishes, "only an appended event is published");
  });
}

Deno.test("SR publishes what processPendingResponse appended, once", async () => {
  const { d, published } = deps({ kind: "appended", event: EVENT });
  const frame = await submitResponse(who("module"), asResponseId(3), 9, d);
  assert.deepEqual([frame.type, frame.id, published.length], ["ACK", 9, 1]);
});

Deno.test("roles and readiness are checked before the store is asked", async () => {
  const { d, published } = deps({ kind: "appended", event: EVENT });
  assert.equal((await decideResponse(who("module"), approve, d)).code, "forbidden");
  assert.equal((await submitResponse(who("operator"), asResponseId(3), 1, d)).code, "forbidden");
  assert.equal((await decideResponse(who("admin"), approve, d)).type, "ACK", "admins decide too");
  const down = deps({ kind: "appended", event: EVENT }, false);
  assert.equal((await decideResponse(who("operator"), approve, down.d)).code, "unavailable");
  assert.equal(down.published.length, 0);
  assert.equal(published.length, 1);
});

Deno.test("CL through the access gate: a revoked user's token closes 4001 'your access was revoked'", async () => {
  const { AccessGate } = await import("../../src/people/gate.ts");
  const { RevocationList } = await import("../../src/people/revocations.ts");
  const { DEFAULT_POLICY } = await import("../../src/people/token_policy.ts");
  const { handleHello } = await import("../../src/commands/handlers.ts");
  const authority = new TokenAuthority("x".repeat(32));
  const revocations = new RevocationList();
  const { d } = deps({ kind: "not_found" } as unknown as DecideResult);
  const gated = { ...d, auth: new AccessGate({ authority, policy: DEFAULT_POLICY, revocations }) };
  const now = Math.floor(gated.clock.now() / 1000);
  const token = await authority.sign({ sub: "alice", role: "operator", exp: now + 60, iat: now });
  const session = { clientId: "c", identity: null };
  const hello = { type: "CL", id: "h", token } as const;

  // Before the stored revocations are read: unavailable (retryable), and the connection stays.
  const early = await handleHello(session, hello, gated);
  assert.equal(early.kind, "reply");
  assert.equal(
    early.kind === "reply" && early.frame.type === "ERROR" && early.frame.code,
    "unavailable",
  );

  revocations.markLoaded();
  assert.equal((await handleHello(session, hello, gated)).kind, "hello");
  revocations.record("alice", gated.clock.now());
  const refused = await handleHello(session, hello, gated);
  assert.equal(refused.kind, "close");
  if (refused.kind !== "close") return;
  assert.equal(refused.code, 4001);
  assert.equal(refused.reason, "your access was revoked");
  assert.equal(refused.frame?.code, "unauthorized");
  const bad = await handleHello(session, { ...hello, token: "junk" }, gated);
  assert.equal(bad.kind === "close" && bad.reason, "bad or expired token");
});
