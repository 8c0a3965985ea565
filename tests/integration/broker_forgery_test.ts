/**
 * Issue 7, row 7, as an attack: someone who can publish to Redis sends
 * forged events to the channel two server processes use (one MariaDB
 * database, one Redis) — a `pending` carrying raw `html` at the next seq and
 * an `approved` at a future seq — and replays genuine messages, as is and
 * moved to another seq. No client of either process receives any of it, the
 * real events at those seqs reach every client live and in order, and both
 * processes count what they dropped in `ws_broker_rejected_total`.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { brokerChannel } from "../../src/broker/message.ts";
import { mintToken, type RunningServer, startServer } from "../_support/server.ts";
import { type Frame, TestClient } from "../_support/ws_client.ts";
import { REDIS_UP, TEST_REDIS_URL } from "../_support/services.ts";
import { MARIADB } from "./backends.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const MARK = "FORGED-by-mallory";

/** The sum of a counter's samples in a server's `/metrics`, optionally of one label value. */
async function counter(server: RunningServer, name: string, label = ""): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (label && !line.includes(label)) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

function eventsOf(c: TestClient): Frame[] {
  return c.history.filter((f) => f.type === "EVENT");
}

Deno.test({
  name:
    "broker forgery: forged and replayed Redis messages never reach a client; the real events at their seqs do",
  ignore: !MARIADB.available || !REDIS_UP,
  ...opts,
}, async () => {
  const backend = await MARIADB.create();
  const env = { ...backend.env, REDIS_URL: TEST_REDIS_URL };
  const servers = [await startServer(env), await startServer(env)];
  const db = await backend.open();
  const clients: TestClient[] = [];
  const attacker = new Redis(TEST_REDIS_URL);
  const sniffer = new Redis(TEST_REDIS_URL);
  try {
    const open = async (server: RunningServer, sub: string, role: "operator" | "module") => {
      const c = await TestClient.open(server.wsUrl);
      const welcome = await c.hello(await mintToken(sub, role));
      if (role === "operator") await c.nextOf("SNAPSHOT");
      clients.push(c);
      return { c, welcome };
    };
    const { c: anna, welcome } = await open(servers[0]!, "anna", "operator");
    const { c: boris } = await open(servers[1]!, "boris", "operator");
    const { c: mod0 } = await open(servers[0]!, "mod0", "module");
    const { c: mod1 } = await open(servers[1]!, "mod1", "module");
    const operators = [anna, boris];
    const channel = brokerChannel(welcome.epoch);
    assert.equal(welcome.seq, 0);

    // Everything on the channel, to replay genuine messages later.
    const genuine: string[] = [];
    await sniffer.subscribe(channel);
    sniffer.on("message", (_ch: string, message: string) => genuine.push(message));

    const r1 = await db.insertResponse({ response_text: "real reply one" });
    const r2 = await db.insertResponse({ response_text: "real reply two" });
    const at = new Date().toISOString();
    const forgedPending = JSON.stringify({
      type: "EVENT",
      seq: 1,
      event: "pending",
      response_id: r1,
      platform: "vk",
      post_url: "https://vk.com/wall-1_1",
      html: `<script>alert("${MARK}")</script>`,
    });
    const forgedApproved = JSON.stringify({
      type: "EVENT",
      seq: 3,
      event: "approved",
      response_id: r1,
      by: MARK,
      at,
      text: MARK,
    });
    // As `redis-cli PUBLISH` would send them: the old format, and with a made-up tag.
    for (const [seq, frame] of [[1, forgedPending], [3, forgedApproved]] as const) {
      await attacker.publish(channel, `${seq}\n${frame}`);
      await attacker.publish(channel, `${seq}\n${"Q".repeat(43)}\n${frame}`);
    }
    await new Promise((r) => setTimeout(r, 300));

    // The real events at seqs 1, 2 (from process 0) and 3 (from process 1).
    const t0 = performance.now();
    const ack1 = await mod0.request({ type: "SR", response_id: r1 });
    assert.equal(ack1.seq, 1, JSON.stringify(ack1));
    const ack2 = await mod0.request({ type: "SR", response_id: r2 });
    assert.equal(ack2.seq, 2, JSON.stringify(ack2));
    const ack3 = await boris.request({ type: "APPROVED", response_id: r1 });
    assert.equal(ack3.seq, 3, JSON.stringify(ack3));
    for (const c of [...operators, mod0, mod1]) await c.events(3, 3000);
    const liveMs = performance.now() - t0;

    // Replays of genuine messages: moved to seq 4, and as they were.
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(genuine.length >= 3, `sniffed ${genuine.length} genuine messages`);
    // A copy: the sniffer also hears the replays.
    for (const message of [...genuine]) {
      const body = message.slice(message.indexOf("\n") + 1);
      await attacker.publish(channel, `4\n${body}`);
      await attacker.publish(channel, message);
    }
    await new Promise((r) => setTimeout(r, 300));
    const ack4 = await anna.request({ type: "REJECTED", response_id: r2, reason: "real" });
    assert.equal(ack4.seq, 4, JSON.stringify(ack4));
    for (const c of [...operators, mod0, mod1]) await c.events(4, 3000);
    await new Promise((r) => setTimeout(r, 300));

    for (const [i, c] of [...operators, mod0, mod1].entries()) {
      const events = eventsOf(c);
      assert.deepEqual(events.map((e) => e.seq), [1, 2, 3, 4], `client ${i}: each seq once`);
      assert.ok(!JSON.stringify(c.history).includes(MARK), `client ${i} got a forged frame`);
      assert.equal(events[0]!.event, "pending");
      assert.equal(events[0]!.response_id, r1);
      assert.match(events[0]!.html, /real reply one/);
      assert.doesNotMatch(events[0]!.html, /<script/);
      assert.deepEqual(
        { event: events[2]!.event, by: events[2]!.by, id: events[2]!.response_id },
        { event: "approved", by: "boris", id: r1 },
      );
      assert.deepEqual(
        { event: events[3]!.event, by: events[3]!.by, reason: events[3]!.reason },
        { event: "rejected", by: "anna", reason: "real" },
      );
    }
    for (const [i, s] of servers.entries()) {
      const signature = await counter(s, "ws_broker_rejected_total", 'reason="signature"');
      const malformed = await counter(s, "ws_broker_rejected_total", 'reason="malformed"');
      // 2 made-up tags + the moved replays; 2 in the old unsigned format.
      assert.ok(signature >= 2 + 3, `process ${i}: ${signature} rejected for their signature`);
      assert.ok(malformed >= 2, `process ${i}: ${malformed} rejected as malformed`);
    }
    // Genuine messages still carry events between the processes.
    const viaBroker = await counter(servers[0]!, "ws_events_delivered_total", 'source="broker"') +
      await counter(servers[1]!, "ws_events_delivered_total", 'source="broker"');
    assert.ok(viaBroker >= 1, "no event came through the broker");
    console.log(`real events 1–3 at all 4 clients ${liveMs.toFixed(0)} ms after the first SR`);
  } finally {
    attacker.disconnect();
    sniffer.disconnect();
    for (const c of clients) await c.close().catch(() => {});
    for (const s of servers) await s.kill();
    await db.close();
    await backend.dispose();
  }
});
