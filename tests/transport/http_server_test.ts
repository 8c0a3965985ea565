/**
 * `HttpServer` (`src/transport/http_server.ts`): the accept loop over a real
 * listening socket on 127.0.0.1, with the fake clock for the sweep. It
 * admits connections into the budget and serves them, sheds one past the
 * budget with a 503 and reports it, watches upgraded sockets in its sweep
 * (the one sessions join), stops accepting on `close()` and ends every
 * connection on `terminateAll()`.
 */
import assert from "node:assert/strict";
import type { ShedReason } from "../../src/transport/budget.ts";
import { HttpServer, type TransportObserver } from "../../src/transport/http_server.ts";
import { upgradeWebSocket } from "../../src/transport/ws_handshake.ts";
import type { ServerWebSocket } from "../../src/transport/ws_socket.ts";
import { FakeClock } from "../_support/fake_clock.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

class Heard implements TransportObserver {
  readonly shedReasons: Array<ShedReason | "fds"> = [];
  readonly acceptErrors: unknown[] = [];
  readonly handlerErrors: unknown[] = [];
  shed(reason: ShedReason | "fds"): void {
    this.shedReasons.push(reason);
  }
  acceptError(error: unknown): void {
    this.acceptErrors.push(error);
  }
  handlerError(error: unknown): void {
    this.handlerErrors.push(error);
  }
  headerTimeout(): void {}
  closeTimeout(): void {}
}

function server(maxSockets: number, sockets: ServerWebSocket[] = []) {
  const clock = new FakeClock();
  const heard = new Heard();
  const s = new HttpServer({
    hostname: "127.0.0.1",
    port: 0,
    handler: (req) => {
      if (new URL(req.url).pathname !== "/ws") return new Response("hello\n");
      const { socket, response } = upgradeWebSocket(req);
      sockets.push(socket);
      return response;
    },
    limits: { maxSockets, maxPending: 10, maxPendingPerAddress: 10 },
    maxBodyBytes: 1024,
    maxMessageBytes: 1024,
    headerTimeoutMs: 10_000,
    closeTimeoutMs: 5_000,
    idleTimeoutMs: 0,
    trustedProxies: [],
    clock,
    observer: heard,
  });
  return { s, clock, heard };
}

async function readAll(conn: Deno.Conn): Promise<string> {
  const chunks: string[] = [];
  const buf = new Uint8Array(4096);
  for (;;) {
    const n = await conn.read(buf).catch(() => null);
    if (n === null) break;
    chunks.push(decoder.decode(buf.subarray(0, n)));
  }
  return chunks.join("");
}

async function readSome(conn: Deno.Conn): Promise<string> {
  const buf = new Uint8Array(4096);
  const n = await conn.read(buf);
  return n === null ? "" : decoder.decode(buf.subarray(0, n));
}

const ws = "GET /ws HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: Upgrade\r\n" +
  "sec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";

Deno.test("the accept loop serves each admitted connection and sheds one past the budget with a 503", async () => {
  const { s, heard } = server(1);
  const first = await Deno.connect({ hostname: "127.0.0.1", port: s.addr.port });
  await first.write(encoder.encode("GET / HTTP/1.1\r\nhost: x\r\n\r\n"));
  assert.match(await readSome(first), /^HTTP\/1\.1 200 [\s\S]*hello\n$/);
  const second = await Deno.connect({ hostname: "127.0.0.1", port: s.addr.port });
  const refused = await readAll(second);
  assert.match(refused, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
  assert.match(refused, /retry-after: 1/);
  assert.deepEqual(heard.shedReasons, ["sockets"]);
  second.close();
  first.close();
  s.close();
  s.terminateAll();
  await s.finished;
  assert.deepEqual(heard.acceptErrors, []);
});

Deno.test("upgraded sockets are counted and swept; close() stops accepting, terminateAll() ends them 1012", async () => {
  const sockets: ServerWebSocket[] = [];
  const { s, clock } = server(10, sockets);
  const peer = await Deno.connect({ hostname: "127.0.0.1", port: s.addr.port });
  await peer.write(encoder.encode(ws));
  assert.match(await readSome(peer), /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.equal(s.openSockets, 1);
  assert.equal(sockets.length, 1);
  let code: number | null = null;
  sockets[0]!.onclose = (ev) => code = ev.code;
  // The sweep that holds the socket is the one sessions join: one timer.
  assert.equal(clock.pending, 1);
  s.sweep.holdForSessions(250);
  assert.equal(clock.pending, 1);
  s.sweep.releaseSessions();

  s.close();
  await s.finished;
  await assert.rejects(Deno.connect({ hostname: "127.0.0.1", port: s.addr.port }));
  assert.equal(s.openSockets, 1, "connections already open go on after close()");
  s.terminateAll();
  assert.equal(code, 1012);
  assert.equal(await readAll(peer), "", "the peer sees the end of the stream");
  assert.equal(s.openSockets, 0);
  assert.equal(clock.pending, 0, "the sweep stopped with the server");
  peer.close();
});
