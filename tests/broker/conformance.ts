/**
 * One conformance suite for every `Broker`: the guarantees its doc comment
 * states, run against `LocalBroker` and against `RedisBroker` on real Redis.
 * @module
 */
import assert from "node:assert/strict";
import type { Broker } from "../../src/broker/broker.ts";
import { asResponseId, asSeq, type Seq } from "../../src/protocol/types.ts";
import type { StoredEvent } from "../../src/store/store.ts";

/** A broker implementation under test. */
export interface BrokerUnderTest {
  /** Shown in test names. */
  readonly name: string;
  /** The `kind` it must report. */
  readonly kind: Broker["kind"];
  /** A fresh, unstarted broker for one epoch. */
  make(epoch: string): Broker;
  /** Whether two instances of one epoch carry each other's events (false: a single process). */
  readonly crossProcess: boolean;
  /** Skip (e.g. Redis not running and not required). */
  readonly ignore?: boolean;
}

/** What a listener received. */
export type Received = Array<{ seq: Seq; frame: string }>;

/** Frames that must arrive byte for byte: non-ASCII, escapes, separators. */
export const TRICKY_FRAMES: readonly [string, string, string] = [
  JSON.stringify({
    type: "EVENT",
    seq: 1,
    event: "pending",
    html: '<p>Привет, мир 🌍 &amp; "q"</p>',
  }),
  JSON.stringify({ type: "EVENT", seq: 2, text: "line\nbreak\ttab \u2028 \u0000 \\ end" }),
  `{"type":"EVENT","seq":3,"raw":"a\nb"}\n\r\n\u0000 trailing`,
];

/**
 * Builds a stored event for a broker test.
 * @param seq its position
 * @param frame its frame text
 * @returns the event
 */
export function storedEvent(seq: number, frame: string): StoredEvent {
  return {
    seq: asSeq(seq),
    kind: "pending",
    responseId: asResponseId(seq),
    frame,
    createdAt: new Date(),
  };
}

/**
 * Polls until `condition` holds.
 * @param condition checked every 10 ms
 * @param ms how long to wait
 * @param what named in the failure
 * @throws {Error} when it does not hold in time
 */
export async function waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Lets messages in flight arrive before asserting that nothing did. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

async function started(sut: BrokerUnderTest, epoch: string): Promise<[Broker, Received]> {
  const broker = sut.make(epoch);
  const received: Received = [];
  await broker.start((seq, frame) => received.push({ seq, frame }));
  return [broker, received];
}

const freshEpoch = () => crypto.randomUUID();

/**
 * Registers the conformance tests for one implementation.
 * @param sut the implementation
 */
export function brokerConformance(sut: BrokerUnderTest): void {
  const test = (name: string, fn: () => Promise<void>) =>
    Deno.test({ name: `${sut.name}: ${name}`, ignore: sut.ignore ?? false, fn });

  test("reports its kind, answers ping, and start/close are idempotent", async () => {
    const broker = sut.make(freshEpoch());
    try {
      assert.equal(broker.kind, sut.kind);
      await broker.start(() => {});
      await broker.start(() => {});
      await broker.ping();
    } finally {
      await broker.close();
      await broker.close();
    }
  });

  test("publish never throws, even after close", async () => {
    const [broker] = await started(sut, freshEpoch());
    await broker.publish(storedEvent(1, TRICKY_FRAMES[0]));
    await broker.close();
    await broker.publish(storedEvent(2, TRICKY_FRAMES[0]));
  });

  test("two instances of one epoch: delivery as the kind promises, frames byte-identical", async () => {
    const epoch = freshEpoch();
    const [a, fromB] = await started(sut, epoch);
    const [b, fromA] = await started(sut, epoch);
    try {
      for (const [i, frame] of TRICKY_FRAMES.entries()) await a.publish(storedEvent(10 + i, frame));
      await b.publish(storedEvent(20, TRICKY_FRAMES[1]));
      const expectedAtB = TRICKY_FRAMES.map((frame, i) => ({ seq: asSeq(10 + i), frame }));
      const expectedAtA = [{ seq: asSeq(20), frame: TRICKY_FRAMES[1] }];
      if (sut.crossProcess) {
        await waitFor(
          () => fromA.length >= expectedAtB.length && fromB.length >= 1,
          3000,
          "delivery",
        );
        await settle();
        // Sorted by seq: the broker promises no order, the consumer orders.
        assert.deepEqual([...fromA].sort((x, y) => x.seq - y.seq), expectedAtB);
        assert.deepEqual(fromB, expectedAtA);
      } else {
        await settle();
        assert.deepEqual(fromA, []);
        assert.deepEqual(fromB, []);
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("an instance never hands its own publications back", async () => {
    const epoch = freshEpoch();
    const [a, ownAtA] = await started(sut, epoch);
    const [b, atB] = await started(sut, epoch);
    try {
      for (let seq = 1; seq <= 5; seq++) await a.publish(storedEvent(seq, `{"seq":${seq}}`));
      if (sut.crossProcess) await waitFor(() => atB.length === 5, 3000, "the other instance");
      await settle();
      assert.deepEqual(ownAtA, []);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("different epochs never cross", async () => {
    const epoch = freshEpoch();
    const [a] = await started(sut, epoch);
    const [sameEpoch, atSame] = await started(sut, epoch);
    const [otherEpoch, atOther] = await started(sut, freshEpoch());
    try {
      await a.publish(storedEvent(1, TRICKY_FRAMES[0]));
      if (sut.crossProcess) await waitFor(() => atSame.length === 1, 3000, "same-epoch delivery");
      await settle();
      assert.deepEqual(atOther, []);
    } finally {
      await Promise.all([a.close(), sameEpoch.close(), otherEpoch.close()]);
    }
  });

  test("a listener that throws does not stop later deliveries", async () => {
    const epoch = freshEpoch();
    const [a] = await started(sut, epoch);
    const b = sut.make(epoch);
    const seen: number[] = [];
    await b.start((seq) => {
      seen.push(seq);
      if (seq === 1) throw new Error("listener bug");
    });
    try {
      await a.publish(storedEvent(1, "{}"));
      await a.publish(storedEvent(2, "{}"));
      if (sut.crossProcess) await waitFor(() => seen.length === 2, 3000, "both deliveries");
      else await settle();
      assert.deepEqual(seen.sort(), sut.crossProcess ? [1, 2] : []);
    } finally {
      await a.close();
      await b.close();
    }
  });
}
