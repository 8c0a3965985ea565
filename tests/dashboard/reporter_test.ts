/**
 * The reporter over fake boards: it publishes about once a second, the
 * cluster view holds this process fresh and the others while fresh, the
 * database takes over when Redis fails, and a board that does not answer
 * leaves this process alone in the view. Also the SR → EVENT timer and the
 * dependency watch.
 */
import assert from "node:assert/strict";
import { ClusterBoard, type FiguresBoard } from "../../src/dashboard/figures_board.ts";
import { NodeCollector, type NodeIdentity } from "../../src/dashboard/collect.ts";
import { DependencyWatch } from "../../src/dashboard/dependencies.ts";
import type { NodeFigures } from "../../src/dashboard/figures.ts";
import { NodeReporter } from "../../src/dashboard/reporter.ts";
import { SrEventTimer } from "../../src/dashboard/sr_latency.ts";
import { silentLogger } from "../../src/logging/logger.ts";
import { Metrics } from "../../src/metrics/metrics.ts";
import { asResponseId, asSeq } from "../../src/protocol/types.ts";
import { FakeClock } from "../_support/fake_clock.ts";
import { node } from "./_figures.ts";

class MemoryBoard implements FiguresBoard {
  readonly records = new Map<string, NodeFigures>();
  failing = false;
  publishes = 0;
  publish(f: NodeFigures): Promise<void> {
    if (this.failing) return Promise.reject(new Error("down"));
    this.publishes++;
    this.records.set(f.node, f);
    return Promise.resolve();
  }
  read(since: number): Promise<NodeFigures[]> {
    if (this.failing) return Promise.reject(new Error("down"));
    return Promise.resolve([...this.records.values()].filter((f) => f.updated_at >= since));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const identity: NodeIdentity = { node: "me", host: "h", pid: 7, startedAt: "2026-01-01T00:00:00Z" };

function setup() {
  const clock = new FakeClock(1_000_000);
  const metrics = new Metrics();
  const deps = new DependencyWatch({ brokerConfigured: false, metrics });
  const collector = new NodeCollector({
    identity,
    metrics,
    clock,
    clients: () => ({ listed: [], total: 0 }),
    epoch: () => "e",
    head: () => 0,
    oldest: () => Promise.resolve(null),
    retentionHours: 24,
    dependencies: () => deps.state(),
  });
  const reporter = new NodeReporter({ collector, clock, logger: silentLogger, reuseMs: 0 });
  return { clock, metrics, reporter, deps };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

Deno.test("publishes once a second; the view holds fresh records of others only", async () => {
  const { clock, reporter, metrics } = setup();
  const board = new MemoryBoard();
  reporter.start(board);
  await settle();
  assert.equal(board.publishes, 1);
  clock.tick(3_000);
  await settle();
  assert.ok(board.publishes >= 2, `${board.publishes} publishes`);
  board.records.set("other", node({ node: "other", updated_at: clock.now() - 1_000 }));
  board.records.set("dead", node({ node: "dead", updated_at: clock.now() - 6_000 }));
  metrics.set("ws_connections", 2, { role: "operator" });
  const view = await reporter.cluster();
  assert.deepEqual(view.nodes.map((n) => n.node).sort(), ["me", "other"]);
  const me = view.nodes.find((n) => n.node === "me")!;
  assert.equal(me.connections.operator, 2, "this process's figures are taken now");
  assert.equal(me.age_ms, 0);
  assert.equal(view.total.connections.operator, 4);
  await reporter.stop();
});

Deno.test("the database board takes over when Redis fails, and Redis again when it answers", async () => {
  const redis = new MemoryBoard();
  const db = new MemoryBoard();
  const board = new ClusterBoard(redis, db, silentLogger);
  await board.publish(node({ node: "a", updated_at: 1 }));
  assert.equal(board.via, "redis");
  redis.failing = true;
  await board.publish(node({ node: "a", updated_at: 2 }));
  assert.equal(board.via, "database");
  assert.deepEqual((await board.read(0)).map((f) => f.updated_at), [2], "read from the database");
  redis.failing = false;
  db.records.set("b", node({ node: "b", updated_at: 5 }));
  redis.records.set("b", node({ node: "b", updated_at: 4 }));
  const read = await board.read(0);
  assert.deepEqual(
    read.map((f) => [f.node, f.updated_at]).sort(),
    [["a", 2], ["b", 5]],
    "freshest wins",
  );
  db.failing = redis.failing = true;
  await assert.rejects(board.read(0));
  await assert.rejects(board.publish(node()));
});

Deno.test("without an answer from the board the view is this process alone", async () => {
  const { reporter } = setup();
  const board = new MemoryBoard();
  board.failing = true;
  reporter.start(board);
  const view = await reporter.cluster();
  assert.deepEqual(view.nodes.map((n) => n.node), ["me"]);
  await reporter.stop();
});

Deno.test("SR → EVENT: from the SR's start to its event's delivery; other events are not timed", async () => {
  const clock = new FakeClock();
  const metrics = new Metrics();
  const timer = new SrEventTimer(clock, metrics);
  const event = (seq: number, id: number, kind: "pending" | "approved" = "pending") => ({
    seq: asSeq(seq),
    kind,
    responseId: asResponseId(id),
    frame: "{}",
    createdAt: new Date(clock.now()),
  });
  timer.begin(7);
  clock.tick(30);
  timer.appended(event(1, 7));
  clock.tick(20);
  timer.delivered(1);
  timer.delivered(1);
  timer.appended(event(2, 8, "approved"));
  timer.delivered(2);
  timer.appended(event(3, 9));
  timer.delivered(3);
  const h = await metrics.histogram("ws_sr_event_seconds");
  assert.equal(h.count, 1);
  assert.ok(Math.abs(h.sum - 0.05) < 1e-9, `${h.sum}`);
});

Deno.test("the dependency watch records each probe's outcome, a late one as down", async () => {
  const metrics = new Metrics();
  const watch = new DependencyWatch({ brokerConfigured: true, timeoutMs: 20, metrics });
  assert.deepEqual(watch.state(), { database: "down", broker: "down" });
  await watch.observe("database", () => Promise.resolve())();
  await assert.rejects(watch.observe("broker", () => Promise.reject(new Error("no")))());
  assert.deepEqual(watch.state(), { database: "ok", broker: "down" });
  let finish = () => {};
  const slow = watch.observe("database", () => new Promise<void>((r) => finish = r))();
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(watch.state().database, "down", "no answer within the timeout");
  finish();
  await slow;
  assert.equal(watch.state().database, "ok");
  const up = await metrics.samples("ws_dependency_up");
  assert.deepEqual(
    Object.fromEntries(up.map((s) => [s.labels.dependency, s.value])),
    { database: 1, broker: 0 },
  );
  const off = new DependencyWatch({ brokerConfigured: false });
  off.record("broker", true);
  assert.equal(off.state().broker, "off");
});
