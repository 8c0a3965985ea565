/**
 * `SignedBroker`: over an in-memory transport (so the attacker's messages are
 * exact), then over real Redis with raw `PUBLISH`es as an attacker with
 * access to Redis would send them. A forged, altered or moved message never
 * reaches the listener and is counted; a genuine replay at its own seq is the
 * very frame the log holds there.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import type { BrokerTransport, TransportListener } from "../../src/broker/broker.ts";
import { createBroker } from "../../src/broker/factory.ts";
import { brokerChannel } from "../../src/broker/message.ts";
import { SignedBroker } from "../../src/broker/signed_broker.ts";
import { deriveBrokerKey, sealPayload } from "../../src/broker/signing.ts";
import { silentLogger } from "../../src/logging/logger.ts";
import { Metrics } from "../../src/metrics/metrics.ts";
import { asSeq, type Seq } from "../../src/protocol/types.ts";
import { REDIS_UP, TEST_REDIS_URL } from "../_support/services.ts";
import { TEST_SECRET } from "../_support/server.ts";
import { type Received, storedEvent, TRICKY_FRAMES, waitFor } from "./conformance.ts";

/** Transports that hand each message to every other member, synchronously. */
class MemoryHub {
  readonly members = new Set<MemoryTransport>();
  /** What an attacker with access to the transport injects. */
  inject(seq: number, payload: string): void {
    for (const m of this.members) m.listener?.(asSeq(seq), payload);
  }
}

class MemoryTransport implements BrokerTransport {
  readonly kind = "redis" as const;
  listener: TransportListener | null = null;
  readonly sent: Array<{ seq: Seq; payload: string }> = [];
  constructor(private readonly hub: MemoryHub) {
    hub.members.add(this);
  }
  start(onMessage: TransportListener): Promise<void> {
    this.listener = onMessage;
    return Promise.resolve();
  }
  publish(seq: Seq, payload: string): Promise<void> {
    this.sent.push({ seq, payload });
    for (const m of this.hub.members) if (m !== this) m.listener?.(seq, payload);
    return Promise.resolve();
  }
  ping(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.hub.members.delete(this);
    return Promise.resolve();
  }
}

const settle = () => new Promise((r) => setTimeout(r, 100));

function pair(epoch = "epoch-1", secrets: [string, string] = [TEST_SECRET, TEST_SECRET]) {
  const hub = new MemoryHub();
  const metrics = new Metrics();
  const sender = new MemoryTransport(hub);
  const a = new SignedBroker(sender, { secret: secrets[0], epoch, logger: silentLogger });
  const b = new SignedBroker(new MemoryTransport(hub), {
    secret: secrets[1],
    epoch,
    logger: silentLogger,
    metrics,
  });
  return { hub, metrics, sender, a, b };
}

Deno.test("SignedBroker: genuine events pass, byte for byte", async () => {
  const { a, b } = pair();
  const received: Received = [];
  await a.start(() => {});
  await b.start((seq, frame) => received.push({ seq, frame }));
  for (const [i, frame] of TRICKY_FRAMES.entries()) await a.publish(storedEvent(i + 1, frame));
  await waitFor(() => received.length === TRICKY_FRAMES.length, 2000, "deliveries");
  assert.deepEqual(
    received.sort((x, y) => x.seq - y.seq),
    TRICKY_FRAMES.map((frame, i) => ({ seq: asSeq(i + 1), frame })),
  );
});

Deno.test("SignedBroker: forged, altered and moved messages never reach the listener, and are counted", async () => {
  const { hub, metrics, sender, a, b } = pair();
  const received: Received = [];
  await a.start(() => {});
  await b.start((seq, frame) => received.push({ seq, frame }));
  await a.publish(storedEvent(1, '{"type":"EVENT","seq":1}'));
  await waitFor(() => received.length === 1, 2000, "the genuine event");
  const genuine = sender.sent[0]!.payload;
  const forgedFrame = '{"type":"EVENT","seq":2,"event":"pending","html":"<script>x</script>"}';
  const otherKey = await deriveBrokerKey(`${TEST_SECRET}-not-ours`);
  hub.inject(2, forgedFrame); // unsigned, as an attacker would PUBLISH it
  hub.inject(2, `${"A".repeat(43)}\n${forgedFrame}`); // a made-up tag
  hub.inject(2, await sealPayload(otherKey, "epoch-1", asSeq(2), forgedFrame)); // another secret
  hub.inject(2, genuine); // a genuine message replayed at another seq
  hub.inject(3, `${genuine.slice(0, 44)}${forgedFrame}`); // a genuine tag on another frame
  await settle();
  assert.deepEqual(received, [{ seq: asSeq(1), frame: '{"type":"EVENT","seq":1}' }]);
  const stats = await metrics.getStats();
  assert.deepEqual(stats.ws_broker_rejected_total, {
    "reason=malformed": 1,
    "reason=signature": 4,
  });
});

Deno.test("SignedBroker: a genuine message replayed at its own seq is the frame the log holds", async () => {
  const { hub, sender, a, b } = pair();
  const received: Received = [];
  await a.start(() => {});
  await b.start((seq, frame) => received.push({ seq, frame }));
  const frame = TRICKY_FRAMES[2];
  await a.publish(storedEvent(9, frame));
  hub.inject(9, sender.sent[0]!.payload);
  await waitFor(() => received.length === 2, 2000, "the event and its replay");
  // Both identical to what was committed at seq 9: the feed drops the second as a duplicate.
  assert.deepEqual(received, [{ seq: asSeq(9), frame }, { seq: asSeq(9), frame }]);
});

Deno.test("SignedBroker: processes with different secrets cannot talk (development mode)", async () => {
  const { metrics, a, b } = pair("epoch-1", [TEST_SECRET, `${TEST_SECRET}-dev-run`]);
  const received: Received = [];
  await a.start(() => {});
  await b.start((seq, frame) => received.push({ seq, frame }));
  await a.publish(storedEvent(1, "{}"));
  await settle();
  assert.deepEqual(received, []);
  assert.deepEqual((await metrics.getStats()).ws_broker_rejected_total, { "reason=signature": 1 });
});

Deno.test("SignedBroker: nothing is delivered after close", async () => {
  const { hub, sender, a, b } = pair();
  const received: Received = [];
  await a.start(() => {});
  await b.start((seq, frame) => received.push({ seq, frame }));
  await a.publish(storedEvent(1, "{}"));
  await waitFor(() => received.length === 1, 2000, "the event");
  const payload = sender.sent[0]!.payload;
  // Close b while a verification is in flight: it must not call the listener.
  for (const m of hub.members) if (m !== sender) m.listener?.(asSeq(1), payload);
  await b.close();
  await settle();
  assert.equal(received.length, 1);
});

Deno.test({
  name: "SignedBroker over Redis: raw PUBLISHes to the channel are dropped and counted",
  ignore: !REDIS_UP,
  fn: async () => {
    const epoch = crypto.randomUUID();
    const metrics = new Metrics();
    const settings = { redisUrl: TEST_REDIS_URL, secret: TEST_SECRET };
    const publisher = createBroker(settings, epoch, silentLogger);
    const subscriber = createBroker(settings, epoch, silentLogger, metrics);
    const raw = new Redis(TEST_REDIS_URL);
    const received: Received = [];
    try {
      await publisher.start(() => {});
      await subscriber.start((seq, frame) => received.push({ seq, frame }));
      const channel = brokerChannel(epoch);
      const forged =
        '{"type":"EVENT","seq":1,"event":"pending","html":"<img src=x onerror=alert(1)>"}';
      await raw.publish(channel, `1\n${forged}`);
      await raw.publish(channel, `1\n${"x".repeat(43)}\n${forged}`);
      await raw.publish(channel, "garbage");
      await publisher.publish(storedEvent(1, '{"type":"EVENT","seq":1,"real":true}'));
      await waitFor(() => received.length === 1, 3000, "the genuine event");
      await settle();
      assert.deepEqual(received, [{
        seq: asSeq(1),
        frame: '{"type":"EVENT","seq":1,"real":true}',
      }]);
      assert.deepEqual((await metrics.getStats()).ws_broker_rejected_total, {
        "reason=malformed": 2,
        "reason=signature": 1,
      });
    } finally {
      raw.disconnect();
      await publisher.close();
      await subscriber.close();
    }
  },
});
