/**
 * The write deadline (issue 13, row H3): a write that does not progress for
 * the close timeout ends its connection, HTTP and WebSocket alike; a write
 * that the runtime finished but had not reported at one tick is never taken
 * for a stalled one (it must be seen stalled at two ticks).
 */
import assert from "node:assert/strict";
import { Sweeper } from "../../src/transport/sweeper.ts";
import type { TrackedConn } from "../../src/transport/tracked_conn.ts";
import { type ByteStream, READY, ServerWebSocket } from "../../src/transport/ws_socket.ts";
import { FakeClock } from "../_support/fake_clock.ts";

/** A peer that reads nothing: writes never complete. */
class StuckStream implements ByteStream {
  closed = false;
  read(): Promise<number | null> {
    return new Promise(() => {});
  }
  write(): Promise<number> {
    return new Promise(() => {});
  }
  close(): void {
    this.closed = true;
  }
}

function setup() {
  const clock = new FakeClock();
  const seen = { write: 0, close: 0 };
  const sweeper = new Sweeper({
    clock,
    idleTimeoutMs: 0,
    closeTimeoutMs: 5_000,
    observer: {
      headerTimeout: () => {},
      closeTimeout: () => seen.close++,
      writeTimeout: () => seen.write++,
    },
  });
  return { clock, sweeper, seen };
}

Deno.test("an HTTP response the peer never reads ends the connection after the close timeout", () => {
  const { clock, sweeper, seen } = setup();
  const conn = {
    closed: false,
    upgraded: false,
    deadline: 0,
    writeStalledSince: clock.now(),
    close() {
      this.closed = true;
    },
  };
  sweeper.conns.add(conn as unknown as TrackedConn);
  sweeper.tick();
  clock.tick(4_999);
  sweeper.tick();
  assert.equal(conn.closed, false);
  clock.tick(1);
  sweeper.tick();
  assert.equal(conn.closed, true);
  assert.equal(seen.write, 1);
  assert.equal(sweeper.conns.size, 0);
});

Deno.test("a write that progresses is never cut, however long it takes in all", () => {
  const { clock, sweeper } = setup();
  const conn = {
    closed: false,
    upgraded: false,
    deadline: 0,
    writeStalledSince: clock.now(),
    close() {
      this.closed = true;
    },
  };
  sweeper.conns.add(conn as unknown as TrackedConn);
  for (let i = 0; i < 20; i++) {
    clock.tick(4_000);
    conn.writeStalledSince = clock.now(); // some bytes went out
    sweeper.tick();
  }
  assert.equal(conn.closed, false);
});

Deno.test("a WebSocket whose frames the peer never reads is dropped after the close timeout", async () => {
  const { clock, sweeper, seen } = setup();
  const stream = new StuckStream();
  const s = new ServerWebSocket(
    stream,
    { maxPayload: 1024, now: () => clock.now() },
    new TextEncoder().encode("HTTP/1.1 101 Switching Protocols\r\n\r\n"),
  );
  let closedWith: number | null = null;
  s.onclose = (ev) => closedWith = ev.code;
  s.start();
  sweeper.sockets.add(s);
  s.send("hello");
  await Promise.resolve(); // the write goes out at the end of the synchronous stretch
  sweeper.tick();
  clock.tick(5_000);
  sweeper.tick();
  assert.equal(s.readyState, READY.closed);
  assert.equal(stream.closed, true);
  assert.equal(seen.write, 1);
  // Reported as too slow to read, so the hub counts a slow consumer.
  assert.equal(closedWith, 4009);
});
