/**
 * Issue 18 item 3: every `TRANSPORT_IO` carries the same bytes. One
 * `HttpServer` per variant over real sockets: keep-alive requests with a
 * body each way (one larger than a socket buffer), a WebSocket echo, a
 * message over the limit refused 1009 at its header, and the peer's close.
 */
import assert from "node:assert/strict";
import { systemClock } from "../../src/clock.ts";
import { HttpServer } from "../../src/transport/http_server.ts";
import { TRANSPORT_IOS } from "../../src/transport/raw_conn.ts";
import { upgradeWebSocket } from "../../src/transport/ws_handshake.ts";

const BIG = "x".repeat(3 * 1024 * 1024);

function start(io: (typeof TRANSPORT_IOS)[number]): HttpServer {
  return new HttpServer({
    hostname: "127.0.0.1",
    port: 0,
    io,
    handler: async (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/ws") {
        const { socket, response } = upgradeWebSocket(req);
        socket.onmessage = (e) => socket.send(`echo ${e.data as string}`);
        return response;
      }
      if (path === "/big") return new Response(BIG);
      return new Response(`${req.method} ${await req.text()}`);
    },
    limits: { maxSockets: 1000, maxPending: 1000, maxPendingPerAddress: 1000 },
    maxBodyBytes: 65536,
    maxMessageBytes: 1024,
    headerTimeoutMs: 10_000,
    closeTimeoutMs: 2000,
    idleTimeoutMs: 0,
    trustedProxies: [],
    clock: systemClock,
    accountLimitBytes: 8 * 1024 * 1024,
    observer: {
      shed: () => {},
      acceptError: () => {},
      handlerError: () => {},
      headerTimeout: () => {},
      closeTimeout: () => {},
    },
  });
}

for (const io of TRANSPORT_IOS) {
  Deno.test(`TRANSPORT_IO=${io}: requests, a large response and a WebSocket`, async () => {
    const server = start(io);
    assert.equal(server.io, io);
    const base = `http://127.0.0.1:${server.addr.port}`;
    try {
      await server.listening;
      const client = Deno.createHttpClient({ poolMaxIdlePerHost: 1 });
      try {
        for (let i = 0; i < 3; i++) {
          const res = await fetch(`${base}/echo`, { method: "POST", body: `hi ${i}`, client });
          assert.equal(await res.text(), `POST hi ${i}`);
        }
        const big = await fetch(`${base}/big`, { client });
        assert.equal((await big.text()).length, BIG.length);
      } finally {
        client.close();
      }
      const ws = new WebSocket(`ws://127.0.0.1:${server.addr.port}/ws`);
      const messages: string[] = [];
      const closed = new Promise<number>((resolve) => ws.onclose = (e) => resolve(e.code));
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = reject;
      });
      const echoed = new Promise<void>((resolve) =>
        ws.onmessage = (e) => {
          messages.push(e.data);
          if (messages.length === 2) resolve();
        }
      );
      ws.send("one");
      ws.send("two");
      await echoed;
      assert.deepEqual(messages, ["echo one", "echo two"]);
      ws.send("y".repeat(2048));
      assert.equal(await closed, 1009);
    } finally {
      server.close();
      server.terminateAll();
      await server.finished;
    }
  });
}
