/**
 * The router as a table: each frame, from a connection without `CL`, from
 * each role, to the outcome the connection layer carries out. The store
 * answers every call with an appended event, so what differs is the router's
 * and the handlers' own rules.
 */
import assert from "node:assert/strict";
import { TokenAuthority } from "../../src/auth/jwt.ts";
import type { CommandDeps, Outcome, SessionView } from "../../src/commands/context.ts";
import { echo } from "../../src/commands/router.ts";
import { silentLogger } from "../../src/logging/logger.ts";
import type { ClientFrame } from "../../src/protocol/frames.ts";
import { asResponseId, asSeq, type Role } from "../../src/protocol/types.ts";
import type { Store, StoredEvent } from "../../src/store/store.ts";
import { FakeClock } from "../_support/fake_clock.ts";

const SECRET = "r".repeat(32);
const auth = new TokenAuthority(SECRET);
const clock = new FakeClock();
const event = { seq: asSeq(1), kind: "pending", frame: "{}" } as StoredEvent;
const appended = () => Promise.resolve({ kind: "appended", event } as const);
const deps: CommandDeps = {
  auth,
  store: { decide: appended, claim: appended, release: appended } as unknown as Store,
  clock,
  logger: silentLogger,
  isReady: () => true,
  processPending: appended,
  claimLeaseMs: 60_000,
  fanout: { publish: () => {} },
};

const session = (role: Role | null): SessionView => ({
  clientId: "c1",
  identity: role === null ? null : { sub: `${role}-1`, role, exp: 0 },
});
const id = asResponseId(5);
const FRAMES: Record<string, ClientFrame> = {
  HEARTBEAT: { type: "HEARTBEAT", id: 1 },
  SR: { type: "SR", id: 1, response_id: id },
  APPROVED: { type: "APPROVED", id: 1, response_id: id },
  REJECTED: { type: "REJECTED", id: 1, response_id: id },
  CLAIM: { type: "CLAIM", id: 1, response_id: id },
  RELEASE: { type: "RELEASE", id: 1, response_id: id },
};

/** What an outcome comes to, in one word: the frame type, or the error code. */
function summary(o: Outcome): string {
  if (o.kind === "hello") return "hello";
  if (o.kind === "close") return `close ${o.code}`;
  return o.frame.type === "ERROR" ? o.frame.code : o.frame.type;
}

// frame → [no CL, operator, admin, module]
const TABLE: Record<string, [string, string, string, string]> = {
  HEARTBEAT: ["not_authenticated", "HEARTBEAT", "HEARTBEAT", "HEARTBEAT"],
  SR: ["not_authenticated", "forbidden", "forbidden", "ACK"],
  APPROVED: ["not_authenticated", "ACK", "ACK", "forbidden"],
  REJECTED: ["not_authenticated", "ACK", "ACK", "forbidden"],
  CLAIM: ["not_authenticated", "ACK", "ACK", "forbidden"],
  RELEASE: ["not_authenticated", "ACK", "ACK", "forbidden"],
};

for (const [type, expected] of Object.entries(TABLE)) {
  Deno.test(`router: ${type} from no CL / operator / admin / module`, async () => {
    const roles: Array<Role | null> = [null, "operator", "admin", "module"];
    const got: string[] = [];
    for (const role of roles) {
      const outcome = await echo(session(role), FRAMES[type]!, deps);
      got.push(summary(outcome));
      if (outcome.kind === "reply" && "id" in outcome.frame) {
        assert.equal(outcome.frame.id, 1, "the reply carries the id");
      }
    }
    assert.deepEqual(got, expected);
  });
}

Deno.test("router: HEARTBEAT answers without a promise (the hot path)", () => {
  const outcome = echo(session("operator"), FRAMES.HEARTBEAT!, deps);
  assert.ok(!(outcome instanceof Promise));
  assert.equal(summary(outcome as Outcome), "HEARTBEAT");
});

Deno.test("router: CL with a good token is a hello; a bad one closes 4001; a second CL is refused", async () => {
  const token = await auth.sign({ sub: "ann", role: "operator", exp: clock.now() / 1000 + 60 });
  assert.equal(summary(await echo(session(null), { type: "CL", token }, deps)), "hello");
  const forged = await new TokenAuthority("f".repeat(32)).sign({
    sub: "ann",
    role: "admin",
    exp: clock.now() / 1000 + 60,
  });
  assert.equal(
    summary(await echo(session(null), { type: "CL", token: forged }, deps)),
    "close 4001",
  );
  assert.equal(
    summary(await echo(session("operator"), { type: "CL", token }, deps)),
    "already_authenticated",
  );
});
