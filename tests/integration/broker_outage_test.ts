/**
 * Issue 7, row 8, as a fault: the Redis that two server processes (one
 * MariaDB database) share is killed under load and started again. While it
 * is down `/readyz` stays 200 naming the broker `down`, every `SR` and
 * decision is served, and each process's clients get the other's events
 * from the log within about a second; once Redis is back the broker is `ok`
 * and carries events again.
 */
import assert from "node:assert/strict";
import { mintToken, type RunningServer, startServer } from "../_support/server.ts";
import { type Frame, TestClient } from "../_support/ws_client.ts";
import { REQUIRE_SERVICES } from "../_support/services.ts";
import {
  HAVE_REDIS_BINARY as HAVE_REDIS_SERVER,
  privateRedis,
} from "../_support/private_services.ts";
import { MARIADB } from "./backends.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
/** Events appended while Redis is down. */
const OUTAGE_EVENTS = 40;

async function readyz(server: RunningServer): Promise<{ status: number; body: Frame }> {
  const res = await fetch(`${server.url}/readyz`);
  return { status: res.status, body: await res.json() };
}

async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > ms) throw new Error(`timed out after ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return performance.now() - started;
}

async function brokerDelivered(server: RunningServer): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split("\n").find((l) =>
    l.startsWith('ws_events_delivered_total{source="broker"}')
  );
  return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
}

/** Arrival time of each EVENT seq at a client. */
function arrivals(c: TestClient): Map<number, number> {
  const at = new Map<number, number>();
  c.socket.addEventListener("message", (ev) => {
    const f = JSON.parse(ev.data as string) as Frame;
    if (f.type === "EVENT") at.set(f.seq, performance.now());
  });
  return at;
}

Deno.test({
  name: "broker outage: with Redis killed, /readyz stays 200 (broker down), commands are served, " +
    "events cross processes from the log within ~1 s; Redis back → broker ok",
  ignore: !MARIADB.available || (!HAVE_REDIS_SERVER && !REQUIRE_SERVICES),
  ...opts,
}, async () => {
  const redis = await privateRedis();
  await redis.start();
  const backend = await MARIADB.create();
  const env = { ...backend.env, REDIS_URL: redis.url() };
  const servers = [await startServer(env), await startServer(env)];
  const db = await backend.open();
  const clients: TestClient[] = [];
  try {
    for (const s of servers) {
      await until("broker ok at start", 10_000, async () => (await readyz(s)).body.broker === "ok");
    }
    const open = async (server: RunningServer, sub: string, role: "operator" | "module") => {
      const c = await TestClient.open(server.wsUrl);
      await c.hello(await mintToken(sub, role));
      if (role === "operator") await c.nextOf("SNAPSHOT");
      clients.push(c);
      return c;
    };
    const operators = [
      await open(servers[0]!, "op0", "operator"),
      await open(servers[1]!, "op1", "operator"),
    ];
    const modules = [
      await open(servers[0]!, "mod0", "module"),
      await open(servers[1]!, "mod1", "module"),
    ];
    const seen = operators.map(arrivals);

    await redis.kill();
    const killedAt = performance.now();

    // Work through both processes while Redis is down: SRs and decisions.
    const committed: Array<{ seq: number; by: number; at: number }> = [];
    const replies: Frame[] = [];
    for (let i = 0; i < OUTAGE_EVENTS / 2; i++) {
      const p = i % 2;
      const id = await db.insertResponse({ response_text: `outage ${i}` });
      // Latency is taken from the command's send: an upper bound of commit → arrival.
      const srSent = performance.now();
      const ack = await modules[p]!.request({ type: "SR", response_id: id });
      committed.push({ seq: ack.seq, by: p, at: srSent });
      replies.push(ack);
      const decider = 1 - p;
      const decisionSent = performance.now();
      const decision = await operators[decider]!.request({ type: "APPROVED", response_id: id });
      committed.push({ seq: decision.seq, by: decider, at: decisionSent });
      replies.push(decision);
      await new Promise((r) => setTimeout(r, 300));
    }
    const outageMs = performance.now() - killedAt;
    for (const r of replies) {
      assert.equal(r.type, "ACK", `refused during the outage: ${JSON.stringify(r)}`);
    }

    for (const [i, s] of servers.entries()) {
      const { status, body } = await readyz(s);
      assert.equal(status, 200, `process ${i}: ${JSON.stringify(body)}`);
      assert.deepEqual({ database: body.database, broker: body.broker }, {
        database: "ok",
        broker: "down",
      });
    }

    // Each event reached the other process's operator, from the log.
    for (const o of operators) await o.events(OUTAGE_EVENTS, 5000);
    const latencies: number[] = [];
    for (const e of committed) {
      const other = 1 - e.by;
      const arrived = seen[other]!.get(e.seq);
      assert.ok(arrived !== undefined, `seq ${e.seq} never reached process ${other}`);
      latencies.push(arrived - e.at);
    }
    latencies.sort((a, b) => a - b);
    const p50 = latencies[Math.floor(latencies.length / 2)];
    const max = latencies.at(-1);
    assert.ok(p50 !== undefined && max !== undefined, "some events crossed between processes");
    assert.ok(max < 3000, `cross-process latency with Redis down: max ${max.toFixed(0)} ms`);
    for (const o of operators) {
      const seqs = o.history.filter((f) => f.type === "EVENT").map((f) => f.seq);
      assert.deepEqual(seqs, Array.from({ length: OUTAGE_EVENTS }, (_, k) => k + 1));
    }

    // Redis comes back on the same port: the broker is ok again and carries events.
    await redis.start();
    const backMs = Math.max(
      ...(await Promise.all(
        servers.map((s) =>
          until("broker ok after the restart", 15_000, async () => {
            const { status, body } = await readyz(s);
            return status === 200 && body.broker === "ok";
          })
        ),
      )),
    );
    const before = await brokerDelivered(servers[1]!);
    for (let i = 0; i < 5; i++) {
      const id = await db.insertResponse({ response_text: `after ${i}` });
      const ack = await modules[0]!.request({ type: "SR", response_id: id });
      assert.equal(ack.type, "ACK");
      await operators[1]!.next((f) => f.type === "EVENT" && f.seq === ack.seq, 3000);
    }
    assert.ok(await brokerDelivered(servers[1]!) > before, "the broker carries events again");

    console.log(
      `Redis down ${outageMs.toFixed(0)} ms: ${replies.length} commands, all ACK; ` +
        `cross-process delivery p50 ${p50.toFixed(0)} ms, max ${max.toFixed(0)} ms ` +
        `(${latencies.length} events); broker ok ${backMs.toFixed(0)} ms after Redis restarted`,
    );
  } finally {
    for (const c of clients) await c.close().catch(() => {});
    for (const s of servers) await s.kill();
    await db.close();
    await backend.dispose();
    await redis.remove();
  }
});
