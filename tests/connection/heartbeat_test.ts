import assert from "node:assert/strict";
import { createClient, type WebSocketClient } from "../../src/connection/client.ts";
import { WebSocketManager } from "../../src/connection/manager.ts";
import { HeartbeatSupervisor } from "../../src/connection/heartbeat.ts";
import { silentLogger } from "../../src/logging/logger.ts";
import { asSeq } from "../../src/protocol/types.ts";
import { FakeClock } from "../_support/fake_clock.ts";
import { RecordingSocket } from "../_support/recording_socket.ts";
import { Sweeper } from "../../src/transport/sweeper.ts";
import { type ByteStream, READY, ServerWebSocket } from "../../src/transport/ws_socket.ts";

function setup(clock: FakeClock) {
  const manager = new WebSocketManager({
    clock,
    logger: silentLogger,
    maxBufferedBytes: 1000,
    helloTimeoutMs: 10_000,
    heartbeatTimeoutMs: 45_000,
  });
  const add = (state: WebSocketClient["state"] = "live") => {
    const socket = new RecordingSocket();
    const c = createClient(socket, "127.0.0.1", clock.now(), { perSecond: 10, burst: 10 });
    c.state = state;
    if (state !== "hello") {
      c.role = "operator";
      c.user = "u";
    }
    manager.addClient(c);
    return { c, socket };
  };
  return { manager, add };
}

Deno.test("supervisor closes a silent client 4008 after the heartbeat timeout, not before", () => {
  const clock = new FakeClock();
  const { manager, add } = setup(clock);
  const quiet = add();
  const chatty = add();
  manager.startHeartbeat();
  for (let i = 0; i < 44; i++) {
    clock.tick(1000);
    manager.updateHeartbeat(chatty.c.id);
  }
  assert.equal(quiet.socket.closeCode, undefined);
  clock.tick(1500);
  assert.equal(quiet.socket.closeCode, 4008);
  assert.equal(chatty.socket.closeCode, undefined);
  manager.stopHeartbeat();
  assert.equal(clock.pending, 0, "one interval, stopped");
});

Deno.test("supervisor closes a client without CL 4002 after the hello timeout", () => {
  const clock = new FakeClock();
  const { manager, add } = setup(clock);
  const fresh = add("hello");
  manager.startHeartbeat();
  clock.tick(9_000);
  assert.equal(fresh.socket.closeCode, undefined);
  clock.tick(1_500);
  assert.equal(fresh.socket.closeCode, 4002);
  manager.stopHeartbeat();
});

Deno.test("supervisor uses one timer however many clients there are", () => {
  const clock = new FakeClock();
  const clients = new Map<string, WebSocketClient>();
  const sup = new HeartbeatSupervisor(clients, {
    clock,
    helloTimeoutMs: 1000,
    heartbeatTimeoutMs: 2000,
    onTimeout: () => {},
  });
  for (let i = 0; i < 1000; i++) {
    const c = createClient(new RecordingSocket(), "x", clock.now(), { perSecond: 1, burst: 1 });
    clients.set(c.id, c);
  }
  sup.start();
  sup.start();
  assert.equal(clock.pending, 1);
  assert.equal(sup.tickMs, 250);
  sup.stop();
});

Deno.test("deliverEvent: in order once per client, queued while syncing, 4009 for a full buffer", () => {
  const clock = new FakeClock();
  const { manager, add } = setup(clock);
  const live = add();
  const syncing = add("syncing");
  const slow = add();
  const hello = add("hello");
  slow.socket.bufferedAmount = 5000;
  manager.deliverEvent(asSeq(1), '{"seq":1}');
  manager.deliverEvent(asSeq(1), '{"seq":1}');
  manager.deliverEvent(asSeq(2), '{"seq":2}');
  assert.deepEqual(live.socket.sent, ['{"seq":1}', '{"seq":2}']);
  assert.equal(live.c.lastSeqSent, 2);
  assert.deepEqual(syncing.c.queue.map((e) => e.seq), [1, 2]);
  assert.equal(syncing.socket.sent.length, 0);
  assert.equal(slow.socket.closeCode, 4009);
  assert.equal(hello.socket.sent.length, 0, "unauthenticated clients get no events");
});

Deno.test("deliverEvent hands a client that would see a gap to the replay path", () => {
  const clock = new FakeClock();
  const gaps: string[] = [];
  const manager = new WebSocketManager({
    clock,
    logger: silentLogger,
    maxBufferedBytes: 1000,
    helloTimeoutMs: 10_000,
    heartbeatTimeoutMs: 45_000,
    onGap: (c) => gaps.push(c.id),
  });
  const socket = new RecordingSocket();
  const c = createClient(socket, "x", clock.now(), { perSecond: 1, burst: 1 });
  c.role = "operator";
  c.state = "live";
  c.lastSeqSent = asSeq(3);
  manager.addClient(c);
  manager.deliverEvent(asSeq(5), '{"seq":5}');
  assert.deepEqual(gaps, [c.id]);
  assert.equal(c.state, "syncing");
  assert.equal(socket.sent.length, 0);
});

Deno.test("sendToAll encodes once and reaches only alive authenticated clients", () => {
  const clock = new FakeClock();
  const { manager, add } = setup(clock);
  const a = add();
  const b = add();
  const h = add("hello");
  b.socket.readyState = 3;
  const n = manager.sendToAll({ type: "HEARTBEAT", ts: 1 }, "HEARTBEAT");
  assert.equal(n, 1);
  assert.deepEqual(a.socket.sent, ['{"type":"HEARTBEAT","ts":1}']);
  assert.equal(h.socket.sent.length, 0);
  assert.deepEqual(manager.getAliveClients().map((c) => c.id), [a.c.id]);
  manager.removeClient(a.c.id, 1000);
  assert.equal(manager.getAliveClients().length, 0);
});

Deno.test("protocol pings never reach a client that heartbeats on time, and come before 4008", async () => {
  const { idleTimeoutSeconds } = await import("../../src/server.ts");
  const pairs: Array<[number, number]> = [[15000, 45000], [2000, 6000], [5000, 12500], [
    30000,
    90000,
  ]];
  for (const [interval, timeout] of pairs) {
    const idle =
      idleTimeoutSeconds({ heartbeatIntervalMs: interval, heartbeatTimeoutMs: timeout }) * 1000;
    assert.ok(
      idle / 2 > interval,
      `ping after ${idle / 2} ms of silence, heartbeat every ${interval}`,
    );
    assert.ok(idle < timeout, `1001 at ${idle} ms, 4008 at ${timeout}`);
  }
  // A tight timeout (< 2.5 intervals) still closes a gone peer before 4008; live clients then
  // see the odd ping, which costs little.
  assert.ok(idleTimeoutSeconds({ heartbeatIntervalMs: 10000, heartbeatTimeoutMs: 15000 }) < 15);
  assert.equal(idleTimeoutSeconds({ heartbeatIntervalMs: 200, heartbeatTimeoutMs: 1000 }), 1);
});

Deno.test("connection gauges follow adds, authentications and removals", async () => {
  const { Metrics } = await import("../../src/metrics/metrics.ts");
  const metrics = new Metrics();
  const clock = new FakeClock();
  const manager = new WebSocketManager({
    clock,
    logger: silentLogger,
    metrics,
    maxBufferedBytes: 1000,
    helloTimeoutMs: 10_000,
    heartbeatTimeoutMs: 45_000,
  });
  const make = () =>
    createClient(new RecordingSocket(), "x", clock.now(), { perSecond: 1, burst: 1 });
  const [a, b, c] = [make(), make(), make()];
  for (const x of [a, b, c]) manager.addClient(x);
  manager.authenticate(a, "operator", "alice");
  manager.authenticate(b, "module", "writer");
  manager.removeClient(a.id, 1000);
  manager.removeClient(a.id, 1000);
  const gauges = (await metrics.getStats()).ws_connections as Record<string, number>;
  assert.deepEqual(gauges, { "role=operator": 0, "role=module": 1, "role=unauthenticated": 1 });
  assert.equal(b.role, "module");
  assert.equal(b.user, "writer");
});

Deno.test("the oldest alive clients are summarised up to a limit, and all are counted", () => {
  const clock = new FakeClock();
  const manager = new WebSocketManager({
    clock,
    logger: silentLogger,
    maxBufferedBytes: 1000,
    helloTimeoutMs: 10_000,
    heartbeatTimeoutMs: 45_000,
  });
  const users: string[] = [];
  for (let i = 0; i < 7; i++) {
    const c = createClient(new RecordingSocket(), "127.0.0.1", clock.now(), {
      perSecond: 10,
      burst: 10,
    });
    manager.addClient(c);
    if (i !== 3) manager.authenticate(c, "operator", `u${i}`);
    if (i !== 3) users.push(`u${i}`);
    clock.tick(1000);
  }
  const { listed, total } = manager.describeOldestAliveClients(4);
  assert.equal(total, 6, "the one without CL is not alive");
  assert.deepEqual(listed.map((c) => c.user), users.slice(0, 4));
});

/** A stream that takes every write and never delivers a byte (a peer that only listens). */
class ListeningStream implements ByteStream {
  readonly written: Uint8Array[] = [];
  closed = false;
  #wake: ((n: number | null) => void) | null = null;
  read(): Promise<number | null> {
    return new Promise((r) => this.#wake = r);
  }
  write(p: Uint8Array): Promise<number> {
    this.written.push(p.slice());
    return Promise.resolve(p.length);
  }
  close(): void {
    this.closed = true;
    this.#wake?.(null);
  }
  /** The code of the close frame written, if any. */
  closeCode(): number | null {
    const f = this.written.find((b) => b[0] === 0x88);
    return f ? (f[2]! << 8) | f[3]! : null;
  }
}

/** A manager whose supervisor puts its deadlines in the HTTP layer's sweep, over real sockets. */
function sharedSweep(clock: FakeClock) {
  const sweeper = new Sweeper({
    clock,
    idleTimeoutMs: 0,
    closeTimeoutMs: 5_000,
    observer: { headerTimeout() {}, closeTimeout() {}, writeTimeout() {} },
  });
  sweeper.start();
  const manager = new WebSocketManager({
    clock,
    logger: silentLogger,
    maxBufferedBytes: 1000,
    helloTimeoutMs: 10_000,
    heartbeatTimeoutMs: 45_000,
  });
  const add = (live: boolean, tokenExpiresAt = 0) => {
    const stream = new ListeningStream();
    const s = new ServerWebSocket(
      stream,
      { maxPayload: 1024, now: () => clock.now() },
      new Uint8Array(0),
    );
    s.start();
    sweeper.sockets.add(s);
    const c = createClient(s, "127.0.0.1", clock.now(), { perSecond: 10, burst: 10 });
    manager.addClient(c);
    if (live) {
      manager.authenticate(c, "operator", "u", tokenExpiresAt);
      c.state = "live";
    }
    return { c, s, stream };
  };
  return { sweeper, manager, add };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

/** Advances the fake clock a second at a time, letting the sockets' writes complete between ticks. */
async function advance(clock: FakeClock, ms: number, each?: () => void): Promise<void> {
  for (let t = 0; t < ms; t += 1000) {
    clock.tick(Math.min(1000, ms - t));
    each?.();
    await settle();
  }
}

Deno.test("with the HTTP layer's sweep, heartbeat, hello and token deadlines close in its ticks, on one timer", async () => {
  const clock = new FakeClock();
  const { sweeper, manager, add } = sharedSweep(clock);
  const silent = add(true);
  const fresh = add(false);
  const expiring = add(true, clock.now() + 20_000);
  const chatty = add(true);
  manager.startHeartbeat(sweeper);
  const late = add(false); // added after the start: its deadlines join the sweep too
  assert.equal(clock.pending, 1, "one timer for the transport's and the sessions' deadlines");
  assert.equal(sweeper.periodMs, 1000);
  const heartbeat = () => manager.updateHeartbeat(chatty.c.id);
  await advance(clock, 9_000, heartbeat);
  assert.equal(fresh.s.readyState, READY.open);
  await advance(clock, 1_000, heartbeat);
  assert.equal(fresh.stream.closeCode(), 4002, "no CL within the hello timeout");
  assert.equal(late.stream.closeCode(), 4002, "nor from one that came after the start");
  await advance(clock, 9_000, heartbeat);
  assert.equal(expiring.stream.closeCode(), null);
  await advance(clock, 1_000, heartbeat);
  assert.equal(expiring.stream.closeCode(), 4001, "the token expired");
  await advance(clock, 24_000, heartbeat);
  assert.equal(silent.stream.closeCode(), null);
  await advance(clock, 1_000, heartbeat);
  assert.equal(silent.stream.closeCode(), 4008, "silent for the heartbeat timeout");
  assert.equal(chatty.stream.closeCode(), null);
  assert.equal(chatty.s.readyState, READY.open);
  manager.stopHeartbeat();
  assert.equal(clock.pending, 1, "the transport's deadlines go on after the heartbeat stops");
  sweeper.stop();
  assert.equal(clock.pending, 0);
});

Deno.test("with the HTTP layer's sweep, a client closed for silence leaves the sweep and is not reported again", async () => {
  const clock = new FakeClock();
  const { sweeper, manager, add } = sharedSweep(clock);
  const silent = add(true);
  const sup = manager.startHeartbeat(sweeper);
  await advance(clock, 45_000);
  assert.equal(silent.stream.closeCode(), 4008);
  const before = silent.stream.written.length;
  await advance(clock, 5_000);
  assert.equal(silent.stream.written.length, before, "nothing more is written to it");
  assert.equal(sup.check(silent.c, clock.now()), false, "a closed client has no deadlines");
  manager.stopHeartbeat();
  sweeper.stop();
});
