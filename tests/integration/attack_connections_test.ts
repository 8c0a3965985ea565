/**
 * Issue 7, rows 1, 2, 3 and 10, as attacks on a real server process: more
 * connections than the process has descriptors, upgraded sockets that stay
 * silent and never answer the close, HTTP heads that never complete, and a
 * token that expires while its connection is open.
 */
import assert from "node:assert/strict";
import { mintToken } from "../_support/server.ts";
import { TestClient } from "../_support/ws_client.ts";
import { alive, awaitClose, closeQuietly, upgradedPeer, withServer, writeAll } from "./_attack.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(name) && (line[name.length] === " " || line[name.length] === "{")) {
      sum += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return sum;
}

Deno.test({
  name: "700 sockets against ulimit -n 400: the process lives, sheds, and recovers",
  ...opts,
  fn: async () => {
    // Budgets asked far above what 400 descriptors hold: the derived limits must win.
    await withServer({
      HELLO_TIMEOUT_MS: "60000",
      MAX_CONNECTIONS: "100000",
      MAX_PENDING_CONNECTIONS: "100000",
      MAX_PENDING_PER_ADDRESS: "100000",
    }, async (server) => {
      const operator = await TestClient.open(server.wsUrl);
      await operator.hello(await mintToken("alice", "operator"));
      const conns: Deno.TcpConn[] = [];
      const refused = { n: 0 };
      await Promise.all(Array.from({ length: 700 }, async () => {
        try {
          conns.push(await Deno.connect({ hostname: "127.0.0.1", port: server.port }));
        } catch (e) {
          refused.n++;
          if (refused.n === 1) console.log(`first refusal: ${e}`);
        }
      }));
      // Every accepted socket sends half a request head and holds it.
      await Promise.all(
        conns.map((c) =>
          writeAll(c, new TextEncoder().encode("GET / HTTP/1.1\r\n")).catch(() => {})
        ),
      );
      await new Promise((r) => setTimeout(r, 1500));
      assert.ok(await alive(server.pid), "the server process must survive");
      // The welcomed operator is still served while the attack goes on.
      assert.equal((await operator.request({ type: "HEARTBEAT" })).type, "HEARTBEAT");
      const shed = await metric(server.url, "ws_connections_shed_total");
      console.log(`[measure] row 1: ${conns.length} connected, ${refused.n} refused, ${shed} shed`);
      assert.ok(shed > 0, "connections over the budget are shed");
      conns.forEach(closeQuietly);
      // Once the attacker lets go, new clients are served again.
      let late: TestClient | null = null;
      for (let i = 0; i < 50 && late === null; i++) {
        await new Promise((r) => setTimeout(r, 100));
        late = await TestClient.open(server.wsUrl).catch(() => null);
      }
      assert.ok(late, "a new client is served once the attacker lets go");
      assert.equal((await late.hello(await mintToken("bob", "operator"))).type, "WELCOME");
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      await late.close();
      await operator.close();
      assert.ok(await alive(server.pid));
    }, { nofile: 400 });
  },
});

Deno.test({
  name: "silent upgraded sockets are dropped 5 s after their close; operators get in",
  ...opts,
  fn: async () => {
    const from = (address: string) => ({ headers: { "x-forwarded-for": address } });
    await withServer({
      MAX_CONNECTIONS: "60",
      HELLO_TIMEOUT_MS: "1000",
      MAX_PENDING_PER_ADDRESS: "40",
      // Loopback plays a reverse proxy: each client's own address comes in
      // X-Forwarded-For (a test cannot choose its source address otherwise).
      TRUSTED_PROXIES: "127.0.0.1",
    }, async (server) => {
      // Silent sockets from one address, up to the most it may hold pending...
      const silent: Deno.TcpConn[] = [];
      let refused = "";
      while (silent.length <= 40 && refused === "") {
        try {
          silent.push(await upgradedPeer(server.port, { forwardedFor: "203.0.113.66" }));
        } catch (e) {
          refused = (e as Error).message;
        }
      }
      // ...and the next one from that address is refused at once,
      assert.match(refused, /503/);
      assert.equal(silent.length, 40);
      // ...while an operator from another address is served during the attack.
      const during = await TestClient.open(server.wsUrl, from("198.51.100.1"));
      assert.equal((await during.hello(await mintToken("alice", "operator"))).type, "WELCOME");
      // The silent ones are closed 4002 and, never answering, dropped within 5 s after.
      const started = Date.now();
      const codes = await Promise.all(silent.map((s) => awaitClose(s, 5_000)));
      assert.deepEqual(new Set(codes), new Set([4002]));
      // Dropped 5 s after the close was sent, found by the next sweep (≤ 1 s).
      let dropped = 0;
      const closedAt = Date.now();
      while (dropped < silent.length && Date.now() - closedAt < 7_500) {
        await new Promise((r) => setTimeout(r, 250));
        dropped = await metric(server.url, "ws_close_timeouts_total");
      }
      console.log(
        `[measure] row 2: ${silent.length} silent sockets closed 4002, ${dropped} dropped for not answering the close, ${
          Date.now() - started
        } ms after the first CL deadline`,
      );
      assert.equal(dropped, silent.length);
      assert.ok(await alive(server.pid), server.output());
      // Every slot is free again: 59 operators fit beside the one still connected.
      const clients = await Promise.all(
        Array.from({ length: 59 }, async (_, i) => {
          const c = await TestClient.open(server.wsUrl, from(`198.51.100.${10 + i}`));
          await c.hello(await mintToken(`op${i}`, "operator"));
          return c;
        }),
      );
      assert.equal(clients.length, 59);
      await Promise.all([...clients, during].map((c) => c.close()));
      silent.forEach(closeQuietly);
    });
  },
});

Deno.test({
  name: "a connection whose request head is not complete within 10 s is closed",
  ...opts,
  fn: async () => {
    await withServer({}, async (server) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      await writeAll(
        conn,
        new TextEncoder().encode("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "),
      );
      const started = Date.now();
      const buf = new Uint8Array(256);
      const ended = await conn.read(buf).catch(() => null);
      const ms = Date.now() - started;
      console.log(`[measure] row 3: half a head held; closed after ${ms} ms`);
      assert.equal(ended, null, "the server ends the connection without answering");
      assert.ok(ms >= 9_000 && ms < 12_000, `closed after ${ms} ms`);
      assert.ok(await metric(server.url, "ws_header_timeouts_total") >= 1);
      closeQuietly(conn);
    });
  },
});

Deno.test({
  name: "a connection is closed 4001 when its token expires, and decides nothing after",
  ...opts,
  fn: async () => {
    await withServer({}, async (server) => {
      const c = await TestClient.open(server.wsUrl);
      await c.hello(await mintToken("alice", "operator", { ttlSeconds: 3 }));
      const t0 = Date.now();
      const code = await new Promise<number>((resolve) => {
        c.socket.addEventListener("close", (e) => resolve((e as CloseEvent).code), { once: true });
        const beat = setInterval(() => {
          if (c.socket.readyState === WebSocket.OPEN) c.send({ type: "HEARTBEAT" });
          else clearInterval(beat);
        }, 200);
      });
      const ms = Date.now() - t0;
      console.log(`[measure] row 10: closed ${code} ${ms} ms after CL with a 3 s token`);
      assert.equal(code, 4001);
      assert.ok(ms < 3_000 + 5_000);
    });
  },
});
