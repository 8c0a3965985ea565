/**
 * `serveConnection` (`src/transport/http_connection.ts`) over an in-memory
 * connection with a fake clock: keep-alive and `Connection: close`, bodies
 * and their limit, the header deadline, handler failures, malformed heads,
 * a peer that leaves mid-head, and the switch to a WebSocket.
 */
import assert from "node:assert/strict";
import { type HttpOptions, serveConnection } from "../../src/transport/http_connection.ts";
import { upgradeWebSocket } from "../../src/transport/ws_handshake.ts";
import type { ServerWebSocket } from "../../src/transport/ws_socket.ts";
import { FakeClock } from "../_support/fake_clock.ts";
import { trackedPair } from "./_fake_conn.ts";

interface Seen {
  requests: Array<{ method: string; url: string; body: string }>;
  errors: unknown[];
  upgrades: ServerWebSocket[];
}

function options(
  clock: FakeClock,
  handler: HttpOptions["handler"],
  seen: Seen,
): HttpOptions {
  return {
    handler: async (req, info) => {
      seen.requests.push({ method: req.method, url: req.url, body: await req.clone().text() });
      return handler(req, info);
    },
    scheme: "http",
    maxBodyBytes: 64,
    maxMessageBytes: 1024,
    headerTimeoutMs: 10_000,
    trustedProxies: new Set(),
    now: () => clock.now(),
    onHandlerError: (e) => seen.errors.push(e),
    onUpgrade: (s) => seen.upgrades.push(s),
  };
}

const ok = () => new Response("hi", { status: 200 });
const fresh = (): Seen => ({ requests: [], errors: [], upgrades: [] });
const GET = (path: string, extra = "") => `GET ${path} HTTP/1.1\r\nhost: x\r\n${extra}\r\n`;

Deno.test("a kept-alive connection answers one request after another, then ends with the peer", async () => {
  const clock = new FakeClock();
  const seen = fresh();
  const { peer, conn } = trackedPair(() => clock.now());
  const served = serveConnection(conn, options(clock, ok, seen));
  peer.push(GET("/a"));
  await new Promise((r) => setTimeout(r, 0));
  assert.match(peer.text(), /^HTTP\/1\.1 200 [^\r]*\r\n/);
  assert.match(peer.text(), /connection: keep-alive/i);
  assert.equal(peer.closed, false, "kept alive");
  peer.push(GET("/b"));
  peer.end();
  await served;
  assert.deepEqual(seen.requests.map((r) => r.url), ["http://x/a", "http://x/b"]);
  assert.equal(peer.text().match(/HTTP\/1\.1 200/g)?.length, 2);
  assert.equal(conn.closed, true, "closed once the peer ended");
});

Deno.test("Connection: close is answered with connection: close and the connection ends", async () => {
  const clock = new FakeClock();
  const seen = fresh();
  const { peer, conn } = trackedPair(() => clock.now());
  const served = serveConnection(conn, options(clock, ok, seen));
  peer.push(GET("/a", "connection: close\r\n"));
  await new Promise((r) => setTimeout(r, 0));
  assert.match(peer.text(), /connection: close/i);
  assert.doesNotMatch(peer.text(), /keep-alive/i);
  assert.equal(peer.closed, true, "the server closed it without waiting for the peer");
  peer.end();
  await served;
  assert.equal(seen.requests.length, 1);
});

Deno.test("a request body reaches the handler; one over the limit is 413 without it", async () => {
  const clock = new FakeClock();
  const seen = fresh();
  const first = trackedPair(() => clock.now());
  const served = serveConnection(first.conn, options(clock, ok, seen));
  first.peer.push("POST /api/sr HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nhel");
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(seen.requests.length, 0, "not before the whole body is in");
  first.peer.push("lo");
  first.peer.end();
  await served;
  assert.deepEqual(seen.requests, [{ method: "POST", url: "http://x/api/sr", body: "hello" }]);

  const big = trackedPair(() => clock.now());
  const refused = serveConnection(big.conn, options(clock, ok, seen));
  big.peer.push("POST /api/sr HTTP/1.1\r\nhost: x\r\ncontent-length: 65\r\n\r\n");
  await refused;
  assert.match(big.peer.text(), /^HTTP\/1\.1 413 /);
  assert.equal(seen.requests.length, 1, "the handler never saw it");
  assert.equal(big.peer.closed, true);
});

Deno.test("the header deadline runs while the head is awaited and is lifted while the handler works", async () => {
  const clock = new FakeClock();
  const seen = fresh();
  const { peer, conn } = trackedPair(() => clock.now());
  let during = -1;
  const served = serveConnection(
    conn,
    options(clock, () => {
      during = conn.deadline;
      return ok();
    }, seen),
  );
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(conn.deadline, clock.now() + 10_000, "the head is due within the header timeout");
  clock.tick(3_000);
  peer.push(GET("/a"));
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(during, 0, "no deadline while the handler works");
  assert.equal(conn.deadline, clock.now() + 10_000, "the next head: a new deadline from now");
  peer.end();
  await served;
});

Deno.test("a handler that throws is 500 and reported; the connection goes on", async () => {
  const clock = new FakeClock();
  const seen = fresh();
  const { peer, conn } = trackedPair(() => clock.now());
  const boom = new Error("boom");
  let calls = 0;
  const served = serveConnection(
    conn,
    options(clock, () => {
      if (calls++ === 0) throw boom;
      return ok();
    }, seen),
  );
  peer.push(GET("/a") + GET("/b"));
  peer.end();
  await served;
  assert.deepEqual(seen.errors, [boom]);
  assert.match(peer.text(), /^HTTP\/1\.1 500 [\s\S]*HTTP\/1\.1 200 /);
});

Deno.test("a malformed head is 400 and the connection ends; a peer leaving mid-head gets nothing", async () => {
  const clock = new FakeClock();
  const seen = fresh();
  const bad = trackedPair(() => clock.now());
  const refused = serveConnection(bad.conn, options(clock, ok, seen));
  bad.peer.push("GARBAGE\r\n\r\n");
  await refused;
  assert.match(bad.peer.text(), /^HTTP\/1\.1 400 /);
  assert.equal(bad.peer.closed, true);

  const gone = trackedPair(() => clock.now());
  const served = serveConnection(gone.conn, options(clock, ok, seen));
  gone.peer.push("GET /a HTTP/1.1\r\nhost:");
  gone.peer.end();
  await served;
  assert.equal(gone.peer.text(), "");
  assert.equal(gone.conn.closed, true);
  assert.equal(seen.requests.length, 0);
});

Deno.test("a handler that accepts the upgrade turns the connection into a started WebSocket", async () => {
  const clock = new FakeClock();
  const seen = fresh();
  const { peer, conn } = trackedPair(() => clock.now());
  const served = serveConnection(
    conn,
    options(clock, (req) => upgradeWebSocket(req).response, seen),
  );
  peer.push(GET(
    "/ws",
    "upgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-version: 13\r\n" +
      "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
  ));
  await served;
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(seen.upgrades.length, 1, "onUpgrade heard of the socket");
  assert.equal(conn.upgraded, true);
  assert.equal(conn.closed, false, "the socket owns the connection now");
  assert.match(peer.text(), /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.match(peer.text(), /sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/);
  seen.upgrades[0]!.terminate();
});
