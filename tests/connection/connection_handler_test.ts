/**
 * The connection handler's own rules, before any command runs: binary frames
 * close 1003, frames over the limit 1009, a flood (decodable or not) ends in
 * 4029 after `rate_limited` answers that carry the frames' ids, a bad frame
 * is answered and the connection stays, commands before `CL` are refused,
 * and a frame after the token's expiry closes 4001. Fake socket, fake clock.
 */
import assert from "node:assert/strict";
import { TokenAuthority } from "../../src/auth/jwt.ts";
import type { CommandDeps } from "../../src/commands/context.ts";
import { createClient, type WebSocketClient } from "../../src/connection/client.ts";
import { ConnectionHandler } from "../../src/connection/connection_handler.ts";
import { WebSocketManager } from "../../src/connection/manager.ts";
import type { ClientSync } from "../../src/connection/sync.ts";
import { silentLogger } from "../../src/logging/logger.ts";
import type { Store } from "../../src/store/store.ts";
import { FakeClock } from "../_support/fake_clock.ts";
import { RecordingSocket } from "../_support/recording_socket.ts";

function setup() {
  const clock = new FakeClock();
  const manager = new WebSocketManager({
    clock,
    logger: silentLogger,
    maxBufferedBytes: 1 << 20,
    helloTimeoutMs: 10_000,
    heartbeatTimeoutMs: 45_000,
  });
  const deps: CommandDeps = {
    auth: new TokenAuthority("h".repeat(32)),
    store: {} as Store,
    clock,
    logger: silentLogger,
    isReady: () => true,
    processPending: () => Promise.reject(new Error("not in this test")),
    claimLeaseMs: 60_000,
    fanout: { publish: () => {} },
  };
  const handler = new ConnectionHandler({
    manager,
    sync: {} as ClientSync,
    deps,
    clock,
    logger: silentLogger,
    maxMessageBytes: 1024,
    rateLimitPerSec: 10,
    rateLimitBurst: 20,
    maxViolations: 5,
  });
  const socket = new RecordingSocket();
  const client = createClient(socket, "127.0.0.1", clock.now(), { perSecond: 10, burst: 20 });
  manager.addClient(client);
  const replies = () => socket.sent.map((s) => JSON.parse(s));
  return { clock, manager, handler, socket, client, replies };
}

function welcome(manager: WebSocketManager, client: WebSocketClient, expiresAt: number): void {
  manager.authenticate(client, "operator", "alice", expiresAt);
  client.state = "live";
}

Deno.test("a binary frame closes 1003; a frame over the limit closes 1009", () => {
  const a = setup();
  a.handler.onMessage(a.client, new Uint8Array([1, 2]));
  assert.equal(a.socket.closeCode, 1003);
  const b = setup();
  b.handler.onMessage(b.client, "x".repeat(1025));
  assert.equal(b.socket.closeCode, 1009);
});

Deno.test("bad frames are answered and the connection stays; commands before CL are refused", () => {
  const { handler, client, socket, replies } = setup();
  handler.onMessage(client, "{not json");
  handler.onMessage(client, '{"type":"NOPE","id":"n1"}');
  handler.onMessage(client, '{"type":"HEARTBEAT","id":"h1"}');
  assert.deepEqual(replies().map((f) => [f.code, f.id]), [
    ["bad_json", undefined],
    ["unknown_type", "n1"],
    ["not_authenticated", "h1"],
  ]);
  assert.equal(socket.closedWith, null);
});

Deno.test("a flood of frames, decodable or not, is refused with their ids, then closed 4029", () => {
  const { handler, client, socket, replies } = setup();
  for (let i = 0; i < 20; i++) handler.onMessage(client, "{not json"); // the burst
  assert.equal(socket.closedWith, null);
  for (let i = 0; i < 4; i++) handler.onMessage(client, `{"type":"HEARTBEAT","id":${i}}`);
  const limited = replies().filter((f) => f.code === "rate_limited");
  assert.deepEqual(limited.map((f) => f.id), [0, 1, 2, 3], "refusals carry the frames' ids");
  assert.equal(limited[0].retryable, true);
  handler.onMessage(client, "{still not json");
  assert.equal(socket.closeCode, 4029);
  const before = socket.sent.length;
  handler.onMessage(client, '{"type":"HEARTBEAT"}');
  assert.equal(socket.sent.length, before, "nothing more is answered once closing");
});

Deno.test("the bucket refills with time: a steady client is never limited", () => {
  const { handler, client, clock, manager, replies } = setup();
  welcome(manager, client, 0);
  for (let i = 0; i < 100; i++) {
    handler.onMessage(client, '{"type":"HEARTBEAT"}');
    clock.tick(100); // 10 per second, the rate
  }
  assert.ok(replies().every((f) => f.type === "HEARTBEAT"));
});

Deno.test("a frame after the token's expiry closes 4001", () => {
  const { handler, client, clock, manager, socket, replies } = setup();
  welcome(manager, client, clock.now() + 3000);
  handler.onMessage(client, '{"type":"HEARTBEAT","id":1}');
  assert.equal(replies()[0].type, "HEARTBEAT");
  clock.tick(3000);
  handler.onMessage(client, '{"type":"HEARTBEAT","id":2}');
  assert.equal(socket.closeCode, 4001);
  assert.equal(replies().length, 1, "the expired frame is not answered");
});
