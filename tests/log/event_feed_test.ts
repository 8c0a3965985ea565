import assert from "node:assert/strict";
import type { AuthenticFrame } from "../../src/broker/broker.ts";
import { EventFeed } from "../../src/log/event_feed.ts";
import { silentLogger } from "../../src/logging/logger.ts";
import { asResponseId, asSeq, type Seq } from "../../src/protocol/types.ts";
import type { Store, StoredEvent } from "../../src/store/store.ts";
import { FakeClock } from "../_support/fake_clock.ts";

/** Just enough of a store for the feed: a log in memory. */
function memoryLog(initial: number) {
  const events: StoredEvent[] = [];
  const append = () => {
    const seq = asSeq(events.length + 1);
    const e = {
      seq,
      kind: "pending" as const,
      responseId: asResponseId(seq),
      frame: `{"seq":${seq}}`,
      createdAt: new Date(),
    };
    events.push(e);
    return e;
  };
  for (let i = 0; i < initial; i++) append();
  let reads = 0;
  const store = {
    head: () => Promise.resolve(asSeq(events.length)),
    readSince: (after: Seq, limit: number) => {
      reads++;
      return Promise.resolve(events.filter((e) => e.seq > after).slice(0, limit));
    },
  } as unknown as Store;
  return { store, append, reads: () => reads };
}

function feedOver(log: ReturnType<typeof memoryLog>, clock = new FakeClock()) {
  const delivered: number[] = [];
  const feed = new EventFeed({
    store: log.store,
    clock,
    logger: silentLogger,
    pollMs: 250,
    pageSize: 3,
    sink: (seq) => delivered.push(seq),
  });
  return { feed, delivered, clock };
}

Deno.test("feed starts at the log's head and delivers what follows in order", async () => {
  const log = memoryLog(5);
  const { feed, delivered } = feedOver(log);
  await feed.start();
  assert.equal(feed.head, 5);
  const e6 = log.append();
  feed.offer(e6.seq, e6.frame, "local");
  feed.offer(e6.seq, e6.frame as AuthenticFrame, "broker");
  assert.deepEqual(delivered, [6]);
  feed.stop();
});

Deno.test("feed holds events that arrive ahead and fills the gap from the log", async () => {
  const log = memoryLog(0);
  const { feed, delivered } = feedOver(log);
  await feed.start();
  const [e1, e2, e3, e4] = [log.append(), log.append(), log.append(), log.append()];
  feed.offer(e3.seq, e3.frame as AuthenticFrame, "broker");
  feed.offer(e4.seq, e4.frame as AuthenticFrame, "broker");
  assert.deepEqual(delivered, [], "nothing before the gap is filled");
  await feed.sync();
  assert.deepEqual(delivered, [1, 2, 3, 4]);
  feed.offer(e1.seq, e1.frame as AuthenticFrame, "broker");
  feed.offer(e2.seq, e2.frame, "local");
  assert.deepEqual(delivered, [1, 2, 3, 4], "late duplicates are dropped");
  feed.stop();
});

Deno.test("feed polls the log on its timer (events of other processes without a broker)", async () => {
  const log = memoryLog(0);
  const { feed, delivered, clock } = feedOver(log);
  await feed.start();
  for (let i = 0; i < 7; i++) log.append();
  clock.tick(250);
  await feed.sync(); // the poll's run, awaited
  assert.deepEqual(delivered, [1, 2, 3, 4, 5, 6, 7], "paged reads, in order");
  feed.stop();
  assert.equal(clock.pending, 0);
});

Deno.test("concurrent syncs share one run", async () => {
  const log = memoryLog(0);
  const { feed } = feedOver(log);
  await feed.start();
  log.append();
  const before = log.reads();
  await Promise.all([feed.sync(), feed.sync(), feed.sync()]);
  assert.equal(log.reads() - before, 1);
  feed.stop();
});

Deno.test("events offered before start are ignored (the log serves them)", async () => {
  const log = memoryLog(0);
  const { feed, delivered } = feedOver(log);
  const e1 = log.append();
  feed.offer(e1.seq, e1.frame, "local");
  assert.deepEqual(delivered, []);
  await feed.start();
  assert.equal(feed.head, 1);
  feed.stop();
});

Deno.test("recent events are served from memory, primed with the log's tail at start", async () => {
  const log = memoryLog(3);
  const { feed } = feedOver(log);
  await feed.start();
  for (let i = 0; i < 4; i++) {
    const e = log.append();
    feed.offer(e.seq, e.frame, "local");
  }
  assert.deepEqual(feed.recentSince(0, 10)?.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(feed.recentSince(3, 10)?.map((e) => e.seq), [4, 5, 6, 7]);
  assert.deepEqual(feed.recentSince(5, 1)?.map((e) => e.seq), [6]);
  assert.deepEqual(feed.recentSince(7, 10), []);
  assert.equal(feed.recentSince(6, 10)?.[0]?.frame, '{"seq":7}');
  feed.stop();
});

Deno.test("positions before the memory are left to the log", async () => {
  const log = memoryLog(0);
  const { feed } = feedOver(log);
  await feed.start();
  assert.equal(feed.recentSince(0, 10)?.length, 0, "an empty log: nothing to miss");
  const e1 = log.append();
  feed.offer(e1.seq, e1.frame, "local");
  assert.equal(feed.recentSince(-1, 10), null, "positions before the memory go to the log");
  feed.stop();
});

Deno.test("syncFresh reuses a sync that finished a moment ago, and reads again after", async () => {
  const log = memoryLog(0);
  const { feed, clock } = feedOver(log);
  await feed.start();
  await feed.sync();
  const before = log.reads();
  log.append();
  assert.equal(await feed.syncFresh(20), 0, "fresh enough: no read");
  assert.equal(log.reads(), before);
  clock.tick(25);
  assert.equal(await feed.syncFresh(20), 1, "stale: reads the log");
  feed.stop();
});
