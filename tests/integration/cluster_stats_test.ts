/**
 * `/stats` across two server processes on one MariaDB database: each
 * process shows both (its own figures and the other's, published through
 * Redis or, without it, through `ws_nodes`) and their total; a process that
 * dies leaves the view once its figures are stale.
 */
import assert from "node:assert/strict";
import { mintToken, type RunningServer, startServer } from "../_support/server.ts";
import { TestClient } from "../_support/ws_client.ts";
import { REDIS_UP, TEST_REDIS_URL } from "../_support/services.ts";
import { privateRedis as privateRedisService } from "../_support/private_services.ts";
import { MARIADB } from "./backends.ts";
import { OFFLINE_ENV } from "../sdk/_live.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

// deno-lint-ignore no-explicit-any
type Stats = Record<string, any>;

async function stats(server: RunningServer): Promise<Stats> {
  const res = await fetch(`${server.url}/stats`, {
    headers: { authorization: `Bearer ${await mintToken("root", "admin")}` },
  });
  assert.equal(res.status, 200);
  return await res.json();
}

/** Polls `/stats` until `ok` holds (the other process publishes once a second). */
async function statsUntil(
  server: RunningServer,
  ok: (s: Stats) => boolean,
  what: string,
): Promise<Stats> {
  const deadline = Date.now() + 15_000;
  let last: Stats = {};
  while (Date.now() < deadline) {
    last = await stats(server);
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `${what}; /stats said ${JSON.stringify({ nodes: last.nodes, total: last.total })}`,
  );
}

const connectionsOf = (node: Stats) =>
  Object.entries(node.connections as Record<string, number>)
    .filter(([role]) => role !== "unauthenticated")
    .reduce((a, [, n]) => a + n, 0);

for (const viaRedis of [false, true]) {
  const name = `/stats on either of two processes (one MariaDB${
    viaRedis ? ", Redis" : ", no Redis"
  }) shows both and the total`;
  Deno.test({ name, ignore: !MARIADB.available || (viaRedis && !REDIS_UP), ...opts }, async () => {
    const backend = await MARIADB.create();
    const env = {
      ...OFFLINE_ENV,
      ...backend.env,
      ...(viaRedis ? { REDIS_URL: TEST_REDIS_URL } : {}),
    };
    const a = await startServer(env);
    const b = await startServer(env);
    const db = await backend.open();
    const clients: TestClient[] = [];
    try {
      for (const [server, user] of [[a, "ann"], [a, "al"], [a, "amy"], [b, "bea"]] as const) {
        const c = await TestClient.open(server.wsUrl);
        await c.hello(await mintToken(user, "operator"));
        clients.push(c);
      }
      const writer = await TestClient.open(b.wsUrl);
      await writer.hello(await mintToken("writer", "module"));
      clients.push(writer);
      const id = await db.insertResponse({ response_text: "one" });
      assert.equal((await writer.request({ type: "SR", id: 1, response_id: id })).type, "ACK");

      for (const server of [a, b]) {
        const s = await statsUntil(
          server,
          (s) =>
            s.nodes?.length === 2 && s.total?.connections?.operator === 4 &&
            s.total?.connections?.module === 1 && s.total?.events_appended === 1 &&
            s.total?.events_delivered === 2,
          "both processes with 4 operators, 1 module, and 1 event delivered by each",
        );
        // The existing fields stay.
        assert.equal(typeof s.uptime_seconds, "number");
        assert.ok(Array.isArray(s.clients));
        // a holds three operators; b one operator and the module that sent the SR.
        const [withSr] = s.nodes.filter((n: Stats) => n.events_appended === 1);
        const [without] = s.nodes.filter((n: Stats) => n.events_appended === 0);
        assert.ok(withSr && without, "the SR was appended by one process");
        assert.equal(connectionsOf(withSr), 2);
        assert.equal(withSr.connections.module, 1);
        assert.equal(connectionsOf(without), 3);
        for (const n of s.nodes) assert.equal(n.events_delivered, 1, "each process delivered it");
        assert.equal(s.total.nodes, 2);
        assert.equal(s.total.clients_total, 5);
        assert.equal(s.total.database, "ok");
        assert.equal(s.total.broker, viaRedis ? "ok" : "off");
        assert.equal(s.total.log.head, 1);
        assert.ok(s.total.sr_event.count >= 1, "SR → EVENT observed");
        assert.equal(new Set(s.nodes.map((n: Stats) => n.node)).size, 2);
      }
      // Through Redis while it answers; through the database otherwise.
      const rows = await db.exec("SELECT node FROM ws_nodes") as unknown[];
      assert.equal(rows.length, viaRedis ? 0 : 2, JSON.stringify(rows));

      // A process that dies leaves the view once its figures are stale (5 s).
      await b.kill();
      await statsUntil(a, (s) => s.nodes.length === 1 && s.total.nodes === 1, "only one left");
    } finally {
      for (const c of clients) await c.close().catch(() => {});
      await a.stop().catch(() => 0);
      await b.stop().catch(() => 0);
      await db.close().catch(() => {});
      await backend.dispose();
    }
  });
}

/** A Redis of this test's own on a free port (so stopping it disturbs no one). */
async function privateRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  const redis = await privateRedisService();
  await redis.start();
  return { url: `redis://127.0.0.1:${redis.port}`, stop: () => redis.remove() };
}

Deno.test({
  name:
    "when Redis stops, the processes' figures go through the database and /stats still shows both",
  ignore: !MARIADB.available || !REDIS_UP,
  ...opts,
}, async () => {
  const redis = await privateRedis();
  const backend = await MARIADB.create();
  const env = { ...OFFLINE_ENV, ...backend.env, REDIS_URL: redis.url };
  const a = await startServer(env);
  const b = await startServer(env);
  const db = await backend.open();
  const recentRows = async () =>
    (await db.exec("SELECT node FROM ws_nodes WHERE updated_at > ?", [
      Date.now() - 3_000,
    ]) as unknown[])
      .length;
  try {
    await statsUntil(a, (s) => s.total?.nodes === 2 && s.total.broker === "ok", "both, Redis ok");
    assert.equal(await recentRows(), 0, "no figures through the database while Redis answers");
    await redis.stop();
    const s = await statsUntil(
      a,
      (s) => s.total?.nodes === 2 && s.nodes.every((n: Stats) => n.broker === "down"),
      "both processes, each seeing the broker down",
    );
    assert.equal(s.total.broker, "down");
    assert.equal(s.total.database, "ok");
    assert.equal(await recentRows(), 2, "both publish through the database now");
  } finally {
    await a.stop().catch(() => 0);
    await b.stop().catch(() => 0);
    await redis.stop();
    await db.close().catch(() => {});
    await backend.dispose();
  }
});
