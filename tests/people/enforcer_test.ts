import assert from "node:assert/strict";
import { createClient, type WebSocketClient } from "../../src/connection/client.ts";
import { WebSocketManager } from "../../src/connection/manager.ts";
import { silentLogger } from "../../src/logging/logger.ts";
import { RevocationEnforcer } from "../../src/people/enforcer.ts";
import { RevocationList } from "../../src/people/revocations.ts";
import { FakeClock } from "../_support/fake_clock.ts";
import { RecordingSocket } from "../_support/recording_socket.ts";

function setup() {
  const clock = new FakeClock();
  const manager = new WebSocketManager({
    clock,
    logger: silentLogger,
    maxBufferedBytes: 1000,
    helloTimeoutMs: 10_000,
    heartbeatTimeoutMs: 45_000,
  });
  const revocations = new RevocationList();
  const enforcer = new RevocationEnforcer({ manager, revocations, clock, logger: silentLogger });
  const connect = (user: string, iat: number | null): WebSocketClient => {
    const c = createClient(new RecordingSocket(), "127.0.0.1", clock.now(), {
      perSecond: 10,
      burst: 10,
    });
    manager.addClient(c);
    manager.authenticate(c, "operator", user, clock.now() + 3_600_000, iat);
    return c;
  };
  const closed = (c: WebSocketClient) => (c.socket as RecordingSocket).closedWith;
  return { clock, manager, revocations, enforcer, connect, closed };
}

Deno.test("closeRevoked closes the user's connections issued up to the moment, 4001 with the reason", () => {
  const { revocations, enforcer, connect, closed } = setup();
  const old = connect("alice", 100);
  const noIat = connect("alice", null);
  const fresh = connect("alice", 300);
  const bob = connect("bob", 100);
  revocations.record("alice", 200_000);
  assert.equal(enforcer.closeRevoked("alice"), 2);
  assert.deepEqual(closed(old), { code: 4001, reason: "your access was revoked" });
  assert.deepEqual(closed(noIat), { code: 4001, reason: "your access was revoked" });
  assert.equal(closed(fresh), null, "a token issued after the revocation stays");
  assert.equal(closed(bob), null, "another user stays");
  assert.equal(enforcer.closeRevoked("alice"), 0, "nothing twice");
});

Deno.test("a revoked token welcomed in a race is closed right after its authentication", () => {
  const { clock, revocations, enforcer, connect, closed } = setup();
  enforcer.start();
  revocations.record("alice", 200_000);
  const late = connect("alice", 100);
  assert.equal(closed(late), null, "not inside the manager's own call");
  clock.tick(0);
  assert.deepEqual(closed(late), { code: 4001, reason: "your access was revoked" });
  const ok = connect("alice", 201);
  clock.tick(0);
  assert.equal(closed(ok), null);
  enforcer.stop();
  const after = connect("alice", 100);
  clock.tick(0);
  assert.equal(closed(after), null, "stopped: no longer watching");
});
