/**
 * The pipeline's command handlers against a recording fake store: the
 * roles of section 1 (frame × role → outcome), a reply URL off its
 * platform's host refused before the store is asked, and each store result
 * mapped to its frame (stale, duplicate, not the holder, bad_state with
 * its state, too_late with undo_until).
 */
import assert from "node:assert/strict";
import { TokenAuthority } from "../../src/auth/jwt.ts";
import type { CommandDeps, Outcome, SessionView } from "../../src/commands/context.ts";
import { routeFrame } from "../../src/commands/router.ts";
import { silentLogger } from "../../src/logging/logger.ts";
import type { ClientFrame } from "../../src/protocol/frames.ts";
import { asResponseId, asSeq, type Role } from "../../src/protocol/types.ts";
import type { Store, StoredEvent } from "../../src/store/store.ts";
import { FakeClock } from "../_support/fake_clock.ts";

const event = { seq: asSeq(7), kind: "queued", frame: "{}" } as StoredEvent;
const id = asResponseId(5);

function depsWith(store: Partial<Record<keyof Store, unknown>>, calls: string[] = []): CommandDeps {
  const recorded = Object.fromEntries(
    Object.entries(store).map(([k, v]) => [k, (...args: unknown[]) => {
      calls.push(k);
      return (v as (...a: unknown[]) => unknown)(...args);
    }]),
  );
  return {
    auth: new TokenAuthority("p".repeat(32)),
    store: recorded as unknown as Store,
    clock: new FakeClock(),
    logger: silentLogger,
    isReady: () => true,
    processPending: () => Promise.resolve({ kind: "not_found" }),
    claimLeaseMs: 60_000,
    fanout: { publish: () => {} },
  };
}

const session = (role: Role): SessionView => ({
  clientId: "c1",
  identity: { sub: `${role}-1`, role, exp: 0 },
});

async function reply(deps: CommandDeps, role: Role, frame: ClientFrame) {
  const o = await routeFrame(session(role), frame, deps) as Outcome;
  assert.equal(o.kind, "reply");
  return (o as { frame: Record<string, unknown> }).frame;
}

const appended = () =>
  Promise.resolve({ kind: "appended", event, final: false, decidedAt: new Date(0) });

Deno.test("publication commands: who may send what", async () => {
  const deps = depsWith({
    undo: appended,
    retry: appended,
    take: () => Promise.resolve([]),
    published: appended,
    publishFailed: appended,
    publicationsOf: () => Promise.resolve([]),
  });
  const frames: Record<string, ClientFrame> = {
    UNDO: { type: "UNDO", id: 1, response_id: id },
    RETRY: { type: "RETRY", id: 1, response_id: id },
    TAKE: { type: "TAKE", id: 1, max: 1 },
    PUBLISHED: { type: "PUBLISHED", id: 1, response_id: id, attempt: 1 },
    PUBLISH_FAILED: {
      type: "PUBLISH_FAILED",
      id: 1,
      response_id: id,
      attempt: 1,
      reason: "x",
      retryable: true,
    },
  };
  // frame → [operator, admin, module]
  const table: Record<string, [string, string, string]> = {
    UNDO: ["ACK", "ACK", "forbidden"],
    RETRY: ["forbidden", "ACK", "forbidden"],
    TAKE: ["forbidden", "forbidden", "ACK"],
    PUBLISHED: ["forbidden", "forbidden", "ACK"],
    PUBLISH_FAILED: ["forbidden", "forbidden", "ACK"],
  };
  for (const [type, expected] of Object.entries(table)) {
    const got = [];
    for (const role of ["operator", "admin", "module"] as const) {
      const f = await reply(deps, role, frames[type]!);
      got.push(f.type === "ERROR" ? String(f.code) : String(f.type));
    }
    assert.deepEqual(got, expected, type);
  }
});

Deno.test("publication commands: a URL off the platform's host is refused before any change", async () => {
  const calls: string[] = [];
  const deps = depsWith({
    publicationsOf: () => Promise.resolve([{ responseId: id, platform: "telegram" }]),
    published: appended,
  }, calls);
  const f = await reply(deps, "module", {
    type: "PUBLISHED",
    response_id: id,
    attempt: 1,
    url: "https://vk.com/wall-1_1",
  });
  assert.equal(f.code, "bad_frame");
  assert.deepEqual(calls, ["publicationsOf"], "published() was never called");
});

Deno.test("publication commands: each store result has its frame", async () => {
  const cases: [
    Partial<Record<keyof Store, unknown>>,
    ClientFrame,
    Role,
    Record<string, unknown>,
  ][] = [
    [
      { publishFailed: () => Promise.resolve({ kind: "stale" }) },
      { type: "PUBLISH_FAILED", response_id: id, attempt: 1, reason: "x", retryable: true },
      "module",
      { type: "ACK", stale: true },
    ],
    [
      { publishFailed: () => Promise.resolve({ kind: "not_holder", holder: "m2" }) },
      { type: "PUBLISH_FAILED", response_id: id, attempt: 1, reason: "x", retryable: true },
      "module",
      { type: "ERROR", code: "forbidden" },
    ],
    [
      { publishFailed: () => Promise.resolve({ kind: "bad_state", state: "failed" }) },
      { type: "PUBLISH_FAILED", response_id: id, attempt: 1, reason: "x", retryable: true },
      "module",
      { type: "ERROR", code: "bad_state", state: "failed" },
    ],
    [
      { published: () => Promise.resolve({ kind: "duplicate", seq: asSeq(3) }) },
      { type: "PUBLISHED", response_id: id, attempt: 2 },
      "module",
      { type: "ACK", duplicate: true, seq: 3 },
    ],
    [
      { undo: () => Promise.resolve({ kind: "too_late", undoUntil: new Date(0) }) },
      { type: "UNDO", response_id: id },
      "operator",
      { type: "ERROR", code: "too_late", undo_until: new Date(0).toISOString(), retryable: false },
    ],
    [
      { undo: () => Promise.resolve({ kind: "forbidden", decidedBy: "bob" }) },
      { type: "UNDO", response_id: id },
      "operator",
      { type: "ERROR", code: "forbidden", decided_by: "bob" },
    ],
    [
      { retry: () => Promise.resolve({ kind: "bad_state", state: "publishing" }) },
      { type: "RETRY", response_id: id },
      "admin",
      { type: "ERROR", code: "bad_state", state: "publishing" },
    ],
  ];
  for (const [store, frame, role, expected] of cases) {
    const f = await reply(depsWith(store), role, frame);
    for (const [k, v] of Object.entries(expected)) assert.deepEqual(f[k], v, `${frame.type}.${k}`);
  }
});
