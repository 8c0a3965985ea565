import assert from "node:assert/strict";
import { Sweeper } from "../../src/transport/sweeper.ts";
import type { TrackedConn } from "../../src/transport/tracked_conn.ts";
import { type ByteStream, READY, ServerWebSocket } from "../../src/transport/ws_socket.ts";
import { FakeClock } from "../_support/fake_clock.ts";

/** A stream that takes every write and never delivers a byte. */
class SilentStream implements ByteStream {
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
}

function setup(idleTimeoutMs = 40_000) {
  const clock = new FakeClock();
  const seen = { header: 0, close: 0 };
  const sweeper = new Sweeper({
    clock,
    idleTimeoutMs,
    closeTimeoutMs: 5_000,
    observer: { headerTimeout: () => seen.header++, closeTimeout: () => seen.close++ },
  });
  const socket = () => {
    const stream = new SilentStream();
    const s = new ServerWebSocket(
      stream,
      { maxPayload: 1024, now: () => clock.now() },
      new Uint8Array(0),
    );
    s.start();
    sweeper.sockets.add(s);
    return { s, stream };
  };
  return { clock, sweeper, seen, socket };
}

Deno.test("a request head that is late closes the connection; one in time does not", () => {
  const { clock, sweeper, seen } = setup();
  const late = {
    closed: false,
    upgraded: false,
    deadline: clock.now() + 10_000,
    close() {
      this.closed = true;
    },
  };
  const done = {
    closed: false,
    upgraded: false,
    deadline: 0,
    close() {
      this.closed = true;
    },
  };
  sweeper.conns.add(late as unknown as TrackedConn);
  sweeper.conns.add(done as unknown as TrackedConn);
  clock.tick(9_999);
  sweeper.tick();
  assert.equal(late.closed, false);
  clock.tick(1);
  sweeper.tick();
  assert.equal(late.closed, true);
  assert.equal(done.closed, false);
  assert.equal(seen.header, 1);
  assert.equal(sweeper.conns.size, 1);
});

Deno.test("a silent peer is pinged at half the idle timeout and closed 1001 at all of it", async () => {
  const { clock, sweeper, socket } = setup(40_000);
  const { s, stream } = socket();
  await new Promise((r) => setTimeout(r, 0)); // the prelude's write goes out and completes
  clock.tick(19_999);
  sweeper.tick();
  assert.equal(s.pingSentAt, 0);
  clock.tick(1);
  sweeper.tick();
  assert.ok(s.pingSentAt > 0, "pinged");
  await new Promise((r) => setTimeout(r, 0)); // writes go out at the end of the stretch
  assert.ok(stream.written.some((f) => f[0] === 0x89), "a ping frame went out");
  clock.tick(20_000);
  sweeper.tick();
  assert.equal(s.readyState, READY.closing);
  await new Promise((r) => setTimeout(r, 0)); // the queued close frame is written after the ping
  const close = stream.written.find((f) => f[0] === 0x88)!;
  assert.equal((close[2]! << 8) | close[3]!, 1001);
});

Deno.test("a peer that does not answer the close within 5 s is dropped, freeing its slot", async () => {
  const { clock, sweeper, seen, socket } = setup();
  const { s, stream } = socket();
  let ended: number | null = null;
  s.onclose = (ev) => ended = ev.code;
  s.close(4002, "no CL in time");
  await Promise.resolve();
  clock.tick(4_999);
  sweeper.tick();
  assert.equal(stream.closed, false);
  clock.tick(1);
  sweeper.tick();
  assert.equal(stream.closed, true);
  assert.equal(ended, 4002, "onclose reports the code that was sent");
  assert.equal(seen.close, 1);
  assert.equal(sweeper.sockets.size, 0);
});

/** Session deadlines that record each check and end when told. */
class CountingSession {
  checks: number[] = [];
  over = false;
  check(now: number): boolean {
    this.checks.push(now);
    return !this.over;
  }
}

Deno.test("one timer for transport and sessions, at the shorter period, gone when neither holds it", () => {
  const { clock, sweeper } = setup();
  sweeper.start();
  assert.equal(clock.pending, 1);
  assert.equal(sweeper.periodMs, 1000);
  sweeper.holdForSessions(250);
  assert.equal(clock.pending, 1, "one timer, not one per holder");
  assert.equal(sweeper.periodMs, 250);
  sweeper.stop();
  assert.equal(clock.pending, 1, "sessions still need it after the transport stops");
  assert.equal(sweeper.periodMs, 250);
  sweeper.releaseSessions();
  assert.equal(clock.pending, 0);
  assert.equal(sweeper.periodMs, 0);
});

Deno.test("a session's deadlines are checked in its socket's row, in the same tick, until the session is over", async () => {
  const { clock, sweeper, socket } = setup();
  const { s } = socket();
  const session = new CountingSession();
  sweeper.watch(s, session);
  sweeper.holdForSessions(500);
  await Promise.resolve();
  clock.tick(500);
  clock.tick(500);
  assert.deepEqual(session.checks, [clock.now() - 500, clock.now()]);
  assert.equal(sweeper.sockets.size, 1, "the socket and its session share one row");
  // The socket ends; the session is still checked until it says it is over.
  s.terminate();
  clock.tick(500);
  assert.equal(sweeper.sockets.size, 0);
  assert.equal(session.checks.length, 3);
  session.over = true;
  clock.tick(500);
  clock.tick(500);
  assert.equal(session.checks.length, 4, "an ended session leaves the table");
  sweeper.releaseSessions();
});

Deno.test("after stop() a tick keeps sessions' deadlines but no longer the transport's", async () => {
  const { clock, sweeper, seen, socket } = setup();
  const { s, stream } = socket();
  const session = new CountingSession();
  sweeper.watch(s, session);
  s.close(4002, "no CL in time");
  await Promise.resolve();
  sweeper.start();
  sweeper.stop();
  clock.tick(5_000);
  sweeper.tick();
  assert.equal(stream.closed, false, "the close timeout is the transport's: not kept after stop()");
  assert.equal(seen.close, 0);
  assert.equal(session.checks.length, 1);
  sweeper.start();
  sweeper.tick();
  assert.equal(stream.closed, true);
  sweeper.stop();
});
