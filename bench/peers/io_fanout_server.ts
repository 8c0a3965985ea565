/**
 * The server side of `bench/io_fanout.ts`: our `HttpServer` and
 * `ServerWebSocket` (I/O from `TRANSPORT_IO`) with `N` raw clients; once all
 * are open it broadcasts one 1.3 KB text message to every socket, `ROUNDS`
 * times, and reports the server's CPU per write (all threads,
 * `process.cpuUsage`, until every socket's queue is empty) and its RSS per
 * connection. Usage: `io_fanout_server.ts <port> <N> <rounds>`; prints one
 * JSON line.
 *
 * `TRANSPORT_IO=floor` is the runtime's floor instead: a bare `Deno.listen`
 * answering the upgrade with a fixed 101, then each broadcast written with
 * `Deno.Conn.write` in batches of 100 per turn (`setImmediate` between), no
 * frame queue, account or scheduler: what our sender costs per write shows
 * as the difference.
 * @module
 */
import process from "node:process";
import { systemClock } from "../../src/clock.ts";
import { HttpServer } from "../../src/transport/http_server.ts";
import type { TransportIo } from "../../src/transport/raw_conn.ts";
import { upgradeWebSocket } from "../../src/transport/ws_handshake.ts";
import type { ServerWebSocket } from "../../src/transport/ws_socket.ts";
import { textFrame } from "../../src/transport/ws_frames.ts";
import { setImmediate } from "node:timers";

const [portArg, nArg, roundsArg] = Deno.args;
const n = Number(nArg ?? 1000);
const rounds = Number(roundsArg ?? 10);
const io = (Deno.env.get("TRANSPORT_IO") ?? "deno") as TransportIo | "floor";
const sockets: ServerWebSocket[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const rss0 = Deno.memoryUsage().rss;
let started = false;

/** The floor's connections (`TRANSPORT_IO=floor`). */
const conns: Deno.Conn[] = [];

const server = io === "floor" ? null : new HttpServer({
  hostname: "127.0.0.1",
  port: Number(portArg ?? 0),
  io: io as TransportIo,
  handler: (req) => {
    const { socket, response } = upgradeWebSocket(req);
    sockets.push(socket);
    if (sockets.length === n && !started) {
      started = true;
      void run();
    }
    return response;
  },
  limits: { maxSockets: 100_000, maxPending: 100_000, maxPendingPerAddress: 100_000 },
  maxBodyBytes: 65536,
  maxMessageBytes: 65536,
  headerTimeoutMs: 60_000,
  closeTimeoutMs: 5000,
  idleTimeoutMs: 0,
  trustedProxies: [],
  clock: systemClock,
  observer: {
    shed: () => {},
    acceptError: () => {},
    handlerError: () => {},
    headerTimeout: () => {},
    closeTimeout: () => {},
  },
});
if (server !== null) {
  await server.listening;
  console.log(`port ${server.addr.port}`);
} else floor();

/** The floor: accept, answer the upgrade, hold the connection, read and drop. */
function floor(): void {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: Number(portArg ?? 0) });
  console.log(`port ${(listener.addr as Deno.NetAddr).port}`);
  const ok = new TextEncoder().encode(
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
  );
  (async () => {
    for await (const conn of listener) {
      const buf = new Uint8Array(2048);
      void (async () => {
        await conn.read(buf);
        await conn.write(ok);
        conns.push(conn);
        if (conns.length === n && !started) {
          started = true;
          void run();
        }
        while ((await conn.read(buf).catch(() => null)) !== null) { /* drop */ }
      })();
    }
  })();
}

let floorOut = 0;
const floorDone = (): void => {
  floorOut--;
};

/** One broadcast on the floor: 100 writes per turn, then the next turn. */
async function floorBroadcast(frame: Uint8Array): Promise<void> {
  for (let i = 0; i < conns.length; i += 100) {
    const end = Math.min(conns.length, i + 100);
    for (let j = i; j < end; j++) {
      floorOut++;
      conns[j]!.write(frame).then(floorDone, floorDone);
    }
    await new Promise((r) => setImmediate(r));
  }
  while (floorOut > 0) await sleep(1);
}

function payload(): string {
  const head = `{"ts":${
    (performance.timeOrigin + performance.now()).toFixed(3)
  },"type":"EVENT","data":"`;
  return head + "x".repeat(1332 - head.length - 2) + '"}';
}

async function run(): Promise<void> {
  await sleep(500);
  for (let k = 0; k < 3; k++) {
    gc?.();
    await sleep(100);
  }
  const kibPerConn = (Deno.memoryUsage().rss - rss0) / 1024 / n;
  const perWrite: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const text = payload();
    const c0 = process.cpuUsage();
    if (io === "floor") await floorBroadcast(textFrame(text));
    else {
      for (const s of sockets) s.send(text);
      // The last in line first: a walk over every socket each millisecond is CPU too.
      const last = sockets[sockets.length - 1]!;
      while (last.bufferedAmount > 0) await sleep(1);
      while (sockets.some((s) => s.bufferedAmount > 0)) await sleep(1);
    }
    const c = process.cpuUsage(c0);
    perWrite.push((c.user + c.system) / n);
    await sleep(50);
  }
  perWrite.sort((a, b) => a - b);
  console.log(JSON.stringify({
    io,
    n,
    rounds,
    cpu_us_per_write_median: +perWrite[perWrite.length >> 1]!.toFixed(2),
    p25: +perWrite[perWrite.length >> 2]!.toFixed(2),
    p75: +perWrite[(perWrite.length * 3) >> 2]!.toFixed(2),
    rss_kib_per_conn: +kibPerConn.toFixed(1),
  }));
  server?.close();
  server?.terminateAll();
  Deno.exit(0);
}
