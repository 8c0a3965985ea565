/**
 * `ClusterBroker` (signed, over `WorkerChannel`s and the supervisor's
 * `Relay`, in memory) against the broker conformance suite, and what is
 * particular to it: nothing goes back to its publisher, a forged line from the
 * relay is dropped by the signature, a worker whose supervisor is gone is told
 * so, and the factory picks it only without `REDIS_URL`.
 */
import assert from "node:assert/strict";
import { ClusterBroker } from "../../src/broker/cluster_broker.ts";
import { createBroker } from "../../src/broker/factory.ts";
import { LocalBroker } from "../../src/broker/local_broker.ts";
import { SignedBroker } from "../../src/broker/signed_broker.ts";
import { silentLogger } from "../../src/logging/logger.ts";
import { asSeq } from "../../src/protocol/types.ts";
import { brokerConformance, storedEvent, waitFor } from "../broker/conformance.ts";
import { InMemoryCluster } from "./_in_memory_cluster.ts";

const SECRET = "cluster-broker-test-secret-of-32-bytes!!";
const cluster = new InMemoryCluster();

brokerConformance({
  name: "ClusterBroker",
  kind: "cluster",
  make: (epoch) => cluster.broker(SECRET, epoch),
  crossProcess: true,
});

Deno.test("ClusterBroker: each worker's event reaches every other worker once, none its publisher", async () => {
  const c = new InMemoryCluster();
  const workers = [0, 1, 2].map(() => c.broker(SECRET, "e1"));
  const seen: string[][] = [[], [], []];
  await Promise.all(
    workers.map((b, i) => b.start((seq, frame) => seen[i]!.push(`${seq}:${frame}`))),
  );
  for (let i = 0; i < 3; i++) await workers[i]!.publish(storedEvent(i + 1, `{"from":${i}}`));
  await waitFor(() => seen.every((s) => s.length === 2), 3000, "two events at each worker");
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(
      seen[i]!.sort(),
      [0, 1, 2].filter((k) => k !== i).map((k) => `${k + 1}:{"from":${k}}`),
    );
  }
  assert.deepEqual(c.relay.stats, { events: 3, deliveries: 6, dropped: 0 });
  await Promise.all(workers.map((b) => b.close()));
});

Deno.test("ClusterBroker: a line the workers did not sign is dropped", async () => {
  const c = new InMemoryCluster();
  const honest = c.broker(SECRET, "e2");
  const got: number[] = [];
  await honest.start((seq) => got.push(seq));
  // A worker with another secret (or anything writing into the relay) cannot put a frame at a seq.
  const forger = c.broker("another-secret-of-at-least-32-bytes!!!", "e2");
  await forger.start(() => {});
  await forger.publish(storedEvent(7, '{"type":"EVENT","seq":7}'));
  const raw = c.join();
  raw.channel.send(asSeq(8), "not-a-tag\n{}");
  await new Promise((r) => setTimeout(r, 150));
  assert.deepEqual(got, []);
  await Promise.all([honest.close(), forger.close()]);
});

Deno.test("WorkerChannel: init first, then up until the supervisor's end closes", async () => {
  const c = new InMemoryCluster();
  const w = c.join("dev-secret-handed-down-by-the-supervisor");
  assert.deepEqual(await w.channel.init, {
    t: "init",
    index: w.index,
    secret: "dev-secret-handed-down-by-the-supervisor",
  });
  assert.equal(w.channel.up, true);
  const b = new SignedBroker(
    new ClusterBroker({
      link: w.channel,
      logger: silentLogger,
    }),
    { secret: SECRET, epoch: "e3", logger: silentLogger },
  );
  await b.ping();
  await w.cut();
  await w.channel.gone;
  assert.equal(w.channel.up, false);
  await assert.rejects(() => b.ping(), /supervisor/);
  await b.close();
});

Deno.test("createBroker: Redis when REDIS_URL is set, the cluster channel without it", async () => {
  const c = new InMemoryCluster();
  const { channel } = c.join();
  const viaCluster = createBroker(
    { redisUrl: "", secret: SECRET, cluster: channel },
    "e",
    silentLogger,
  );
  assert.equal(viaCluster.kind, "cluster");
  const viaRedis = createBroker(
    { redisUrl: "redis://127.0.0.1:1", secret: SECRET, cluster: channel },
    "e",
    silentLogger,
  );
  assert.equal(viaRedis.kind, "redis");
  await viaRedis.close();
  assert.ok(
    createBroker({ redisUrl: "", secret: SECRET, cluster: null }, "e", silentLogger) instanceof
      LocalBroker,
  );
});
