import assert from "node:assert/strict";
import type { Broker } from "../../src/broker/broker.ts";
import { ProcessFanout } from "../../src/fanout/event_fanout.ts";
import type { Logger } from "../../src/logging/logger.ts";
import { Metrics } from "../../src/metrics/metrics.ts";
import { asResponseId, asSeq } from "../../src/protocol/types.ts";
import type { StoredEvent } from "../../src/store/store.ts";

const event = {
  seq: asSeq(4),
  kind: "pending",
  responseId: asResponseId(1),
  frame: '{"type":"EVENT","seq":4}',
} as StoredEvent;

Deno.test("an appended event is counted, told to the observer, offered to the feed, and published", async () => {
  const order: string[] = [];
  const warnings: string[] = [];
  const metrics = new Metrics();
  let broker: Broker | null = null;
  const fanout = new ProcessFanout({
    metrics,
    feed: { offer: (seq, frame, source) => order.push(`feed ${seq} ${source} ${frame.length}`) },
    broker: () => broker,
    logger: { warn: (msg: string) => warnings.push(msg) } as unknown as Logger,
    onPublish: (e) => order.push(`observer ${e.seq}`),
  });
  // No broker yet (start-up): this process's clients still get it.
  fanout.publish(event);
  broker = {
    publish: (e: StoredEvent) => {
      order.push(`broker ${e.seq}`);
      return Promise.reject(new Error("redis is down"));
    },
  } as unknown as Broker;
  fanout.publish(event);
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(order, [
    "observer 4",
    "feed 4 local 24",
    "observer 4",
    "feed 4 local 24",
    "broker 4",
  ]);
  assert.deepEqual(warnings, ["broker publish failed"], "a broker failure is logged, not thrown");
  assert.match(await metrics.exposition(), /ws_events_appended_total\{event="pending"\} 2/);
});
