/** The dashboard page's memory: rates between readings, windowed latency, restarts, new nodes. */
import assert from "node:assert/strict";
import { clusterOf } from "../../src/dashboard/aggregate.ts";
import type { NodeFigures } from "../../src/dashboard/figures.ts";
import { History, pointBetween } from "../../web/dashboard/series.ts";
import { node } from "./_figures.ts";

const at = (ms: number, nodes: NodeFigures[]) => clusterOf(nodes, "n1", ms);

Deno.test("rates are per second between two readings, node by node", () => {
  const a = at(10_000, [
    node({ events_appended: 10, events_delivered: 10, closes: { "1000": 1 } }),
  ]);
  const b = at(12_000, [
    node({ events_appended: 14, events_delivered: 20, closes: { "1000": 3, "4008": 1 } }),
  ]);
  const p = pointBetween(a, b);
  assert.equal(p.t, 12);
  assert.equal(p.appendedPerSec, 2);
  assert.equal(p.deliveredPerSec, 5);
  assert.equal(p.closesPerSec, 1.5);
  assert.deepEqual(p.byRole, { operator: 2, admin: 0, module: 1 });
  assert.deepEqual(p.byNode, { n1: 3 });
});

Deno.test("the first reading, a new node and a restarted one do not make rates up", () => {
  const first = pointBetween(null, at(1_000, [node()]));
  assert.equal(first.appendedPerSec, 0);
  const a = at(1_000, [node({ events_appended: 100 })]);
  const b = at(2_000, [node({ events_appended: 4 }), node({ node: "n2", events_appended: 50 })]);
  const p = pointBetween(a, b);
  assert.equal(p.appendedPerSec, 4, "n1 restarted: counts from 0; n2 is new: not counted yet");
});

Deno.test("latency quantiles come from the observations inside the window", () => {
  const lat = (counts: number[], count: number) => ({ le: [0.01, 0.1, 1], counts, count, sum: 0 });
  const h = new History(100, 3);
  h.add(at(1_000, [node({ sr_event: lat([50, 50, 50], 50) })]));
  h.add(at(2_000, [node({ sr_event: lat([50, 60, 60], 60) })]));
  const p = h.add(at(3_000, [node({ sr_event: lat([50, 60, 60], 60) })]));
  // Window: reading 1 → 3, 10 observations, all between 10 and 100 ms.
  assert.ok(p.p50Ms! > 10 && p.p50Ms! <= 100, `${p.p50Ms}`);
  h.add(at(4_000, [node({ sr_event: lat([50, 60, 60], 60) })]));
  const quiet = h.add(at(5_000, [node({ sr_event: lat([50, 60, 60], 60) })]));
  assert.equal(quiet.p50Ms, null, "no SR in the window");
});

Deno.test("History keeps its capacity and lists every node seen", () => {
  const h = new History(3);
  for (let i = 0; i < 5; i++) {
    h.add(at(i * 1000, [node(), ...(i === 1 ? [node({ node: "n2" })] : [])]));
  }
  assert.equal(h.points.length, 3);
  assert.deepEqual(h.points.map((p) => p.t), [2, 3, 4]);
  assert.deepEqual(h.nodes(), ["n1"], "n2 fell out of the kept points");
});
