/**
 * `RedisBroker` on real Redis: the conformance suite (signed, as the server
 * runs it), then what only a network transport can get wrong — a down
 * server, foreign messages on the channel, a killed connection, counting.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { BrokerUnavailableError } from "../../src/broker/broker.ts";
import { createBroker } from "../../src/broker/factory.ts";
import { brokerChannel } from "../../src/broker/message.ts";
import { RedisBroker } from "../../src/broker/redis_broker.ts";
import { type Logger, silentLogger } from "../../src/logging/logger.ts";
import { Metrics } from "../../src/metrics/metrics.ts";
import { asSeq } from "../../src/protocol/types.ts";
import { REDIS_UP, TEST_REDIS_URL } from "../_support/services.ts";
import { SignedBroker } from "../../src/broker/signed_broker.ts";
import { TEST_SECRET } from "../_support/server.ts";
import { brokerConformance, waitFor } from "./conformance.ts";

const make = (epoch: string, over: Partial<ConstructorParameters<typeof RedisBroker>[0]> = {}) =>
  new RedisBroker({ url: TEST_REDIS_URL, epoch, logger: silentLogger, ...over });

/** What a transport's listener received. */
type Payloads = Array<{ seq: number; payload: string }>;

brokerConformance({
  name: "SignedBroker over RedisBroker",
  kind: "redis",
  make: (epoch) =>
    createBroker({ redisUrl: TEST_REDIS_URL, secret: TEST_SECRET }, epoch, silentLogger),
  crossProcess: true,
  ignore: !REDIS_UP,
});

function closedRedisUrl(): string {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return `redis://127.0.0.1:${port}`;
}

/** A logger that keeps its lines, to check what is (and is not) said. */
function recordingLogger(): { logger: Logger; lines: Array<{ level: string; msg: string }> } {
  const lines: Array<{ level: string; msg: string }> = [];
  const at = (level: string) => (msg: string) => void lines.push({ level, msg });
  return {
    lines,
    logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") },
  };
}

async function elapsed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

Deno.test("RedisBroker: ping fails fast when nothing listens on the port", async () => {
  const broker = new RedisBroker({ url: closedRedisUrl(), epoch: "e", logger: silentLogger });
  try {
    const ms = await elapsed(() =>
      assert.rejects(() => broker.ping(), (e) => e instanceof BrokerUnavailableError)
    );
    assert.ok(ms < 1500, `ping took ${ms} ms`);
    // And again, now that the connection is in its reconnecting state.
    const again = await elapsed(() => assert.rejects(() => broker.ping(), BrokerUnavailableError));
    assert.ok(again < 1500, `second ping took ${again} ms`);
  } finally {
    await broker.close();
  }
});

Deno.test("RedisBroker: start and publish against a down Redis neither throw nor hang", async () => {
  const { logger, lines } = recordingLogger();
  const broker = new RedisBroker({
    url: closedRedisUrl(),
    epoch: "e",
    logger,
    startTimeoutMs: 300,
  });
  try {
    const startMs = await elapsed(() => broker.start(() => {}));
    assert.ok(startMs < 1500, `start took ${startMs} ms`);
    const publishMs = await elapsed(async () => {
      for (let seq = 1; seq <= 20; seq++) await broker.publish(asSeq(seq), "{}");
    });
    assert.ok(publishMs < 1000, `20 publishes took ${publishMs} ms`);
    const warnings = lines.filter((l) => l.level === "warn" && /publish failed/.test(l.msg));
    assert.equal(warnings.length, 1, "one warning per outage, not one per event");
  } finally {
    await broker.close();
  }
});

/** A TCP server that accepts connections and never answers: a hung Redis. */
function silentServer(): { url: string; close(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  (async () => {
    try {
      for await (const conn of listener) conns.push(conn);
    } catch { /* closed */ }
  })();
  return {
    url: `redis://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    close: () => {
      for (const conn of conns) {
        try {
          conn.close();
        } catch { /* already closed by the client */ }
      }
      listener.close();
    },
  };
}

Deno.test("RedisBroker: against a Redis that accepts but never answers, ping and publish give up in time", async () => {
  const hung = silentServer();
  const broker = new RedisBroker({
    url: hung.url,
    epoch: "e",
    logger: silentLogger,
    startTimeoutMs: 300,
  });
  try {
    const startMs = await elapsed(() => broker.start(() => {}));
    assert.ok(startMs < 1000, `start took ${startMs} ms`);
    const pingMs = await elapsed(() => assert.rejects(() => broker.ping(), BrokerUnavailableError));
    assert.ok(pingMs >= 900 && pingMs < 1600, `ping took ${pingMs} ms`);
    const publishMs = await elapsed(() => broker.publish(asSeq(1), "{}"));
    assert.ok(publishMs < 1600, `publish took ${publishMs} ms`);
  } finally {
    await broker.close();
    hung.close();
  }
});

Deno.test({
  name: "RedisBroker: foreign and malformed messages on the channel are dropped",
  ignore: !REDIS_UP,
  fn: async () => {
    const epoch = crypto.randomUUID();
    const metrics = new Metrics();
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (msg: string) => void warnings.push(msg) };
    const broker = make(epoch, { metrics, logger });
    const received: Payloads = [];
    const raw = new Redis(TEST_REDIS_URL);
    try {
      await broker.start((seq, payload) => received.push({ seq, payload }));
      for (const junk of ["", "hello", "0\n{}", "x\n{}", "5\n"]) {
        await raw.publish(brokerChannel(epoch), junk);
      }
      await raw.publish(brokerChannel(epoch), '7\n{"ok":true}');
      await waitFor(() => received.length > 0, 3000, "the valid message");
      await new Promise((r) => setTimeout(r, 100));
      // The transport passes a well-formed message on (SignedBroker judges it).
      assert.deepEqual(received, [{ seq: asSeq(7), payload: '{"ok":true}' }]);
      const stats = await metrics.getStats();
      assert.deepEqual(stats.ws_broker_rejected_total, { "reason=malformed": 5 });
      // Issue 13: each is counted, but a flood is one warn line per interval, not one each.
      assert.equal(warnings.filter((w) => w.startsWith("malformed")).length, 1, warnings.join());
    } finally {
      raw.disconnect();
      await broker.close();
    }
  },
});

Deno.test({
  name: "RedisBroker: a killed subscriber connection comes back and receives again",
  ignore: !REDIS_UP,
  fn: async () => {
    const epoch = crypto.randomUUID();
    const name = `wstest-${epoch.slice(0, 8)}`;
    const subscriber = make(epoch, { maxReconnectDelayMs: 200, connectionName: name });
    const publisher = make(epoch);
    const admin = new Redis(TEST_REDIS_URL);
    const received: Payloads = [];
    try {
      await subscriber.start((seq, payload) => received.push({ seq, payload }));
      await publisher.start(() => {});
      await publisher.publish(asSeq(1), "{}");
      await waitFor(() => received.length === 1, 3000, "the first event");

      // Kill exactly this test's subscriber connection, found by its name.
      const list = String(await admin.call("CLIENT", "LIST"));
      const line = list.split("\n").find((l) => l.includes(` name=${name}-sub `));
      const id = line && /\bid=(\d+)/.exec(line)?.[1];
      assert.ok(id, `no client named ${name}-sub in CLIENT LIST`);
      assert.equal(await admin.call("CLIENT", "KILL", "ID", id), 1);

      // At most once: events published while it is away are lost to it, so
      // publish fresh seqs until one arrives after the automatic resubscription.
      let seq = 2;
      const deadline = performance.now() + 5000;
      while (!received.some((r) => r.seq > 1) && performance.now() < deadline) {
        await publisher.publish(asSeq(seq++), "{}");
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(received.some((r) => r.seq > 1), "delivery resumed after the reconnection");
      await subscriber.ping();
    } finally {
      admin.disconnect();
      await subscriber.close();
      await publisher.close();
    }
  },
});

Deno.test({
  name: "RedisBroker: messages are counted in ws_broker_messages_total by direction",
  ignore: !REDIS_UP,
  fn: async () => {
    const epoch = crypto.randomUUID();
    const metrics = new Metrics();
    const a = make(epoch, { metrics });
    const b = make(epoch, { metrics });
    const received: Payloads = [];
    try {
      await a.start(() => {});
      await b.start((seq, payload) => received.push({ seq, payload }));
      await a.publish(asSeq(1), "{}");
      await a.publish(asSeq(2), "{}");
      await waitFor(() => received.length === 2, 3000, "two deliveries");
      const stats = await metrics.getStats();
      assert.deepEqual(stats.ws_broker_messages_total, { "direction=out": 2, "direction=in": 2 });
    } finally {
      await a.close();
      await b.close();
    }
  },
});

Deno.test("createBroker: a REDIS_URL gives the signed Redis broker, unconnected until start", async () => {
  const broker = createBroker(
    { redisUrl: closedRedisUrl(), secret: TEST_SECRET },
    "e",
    silentLogger,
  );
  try {
    assert.ok(broker instanceof SignedBroker);
    assert.equal(broker.kind, "redis");
  } finally {
    await broker.close();
  }
});
