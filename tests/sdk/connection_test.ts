/**
 * The socket-level pieces of a connection: the hello with and without a
 * position, a message as a frame, sending that never throws, and letting a
 * connection go (no handlers, no timers left).
 */
import assert from "node:assert/strict";
import {
  type Connection,
  detach,
  HELLO_ID,
  helloText,
  parseFrame,
  trySend,
} from "../../web/sdk/connection.ts";
import type { Position } from "../../web/sdk/sequencer.ts";
import { FakeSocket, FakeTimers } from "./_fakes.ts";

function connection(): { conn: Connection; ws: FakeSocket } {
  const ws = new FakeSocket("ws://hub.test/ws");
  return { conn: { ws, welcome: null, heartbeat: null, watchdog: null }, ws };
}

Deno.test("the hello carries the token, and the position to resume from only when there is one", () => {
  assert.deepEqual(JSON.parse(helloText("a.b.c", null)), {
    type: "CL",
    id: HELLO_ID,
    token: "a.b.c",
  });
  const position: Position = { epoch: "e1", seq: 41 };
  assert.deepEqual(JSON.parse(helloText("a.b.c", position)), {
    type: "CL",
    id: HELLO_ID,
    token: "a.b.c",
    resume: { epoch: "e1", last_seq: 41 },
  });
});

Deno.test("a message is its already parsed frame, else its JSON text; anything else is no frame", () => {
  const parsed = { type: "EVENT", seq: 3 };
  assert.equal(parseFrame('{"type":"ACK"}', parsed), parsed, "the parsed frame wins over the text");
  assert.deepEqual(parseFrame('{"type":"ACK","id":"r1"}'), { type: "ACK", id: "r1" });
  assert.deepEqual(parseFrame('{"type":"ACK"}', null), { type: "ACK" }, "a null frame is not one");
  assert.equal(parseFrame("{not json"), undefined);
  assert.equal(parseFrame(new Uint8Array([123, 125])), undefined, "binary data is not a frame");
  assert.equal(parseFrame(undefined), undefined);
  // JSON that is not an object is passed on as it is: the dispatch decides.
  assert.equal(parseFrame("null"), null);
  assert.equal(parseFrame("7"), 7);
});

Deno.test("trySend sends on an open socket and swallows a socket's refusal", () => {
  const { conn, ws } = connection();
  trySend(conn, JSON.stringify({ type: "HEARTBEAT" }));
  assert.equal(ws.sent.length, 0, "a socket not open yet takes nothing (and nothing throws)");
  ws.readyState = 1;
  trySend(conn, JSON.stringify({ type: "HEARTBEAT" }));
  assert.deepEqual(ws.sent, [{ type: "HEARTBEAT" }]);
});

Deno.test("detach removes the socket's handlers and both timers", () => {
  const timers = new FakeTimers();
  const { conn, ws } = connection();
  let fired = 0;
  ws.onopen =
    ws.onmessage =
    ws.onclose =
    ws.onerror =
      () => fired++;
  conn.heartbeat = timers.setInterval(() => fired++, 1_000);
  conn.watchdog = timers.setTimeout(() => fired++, 5_000);
  assert.equal(timers.pendingCount, 2);
  detach(conn, timers);
  assert.equal(timers.pendingCount, 0);
  assert.equal(conn.heartbeat, null);
  assert.equal(conn.watchdog, null);
  assert.deepEqual([ws.onopen, ws.onmessage, ws.onclose, ws.onerror], [null, null, null, null]);
  timers.tick(10_000);
  assert.equal(fired, 0);
});
