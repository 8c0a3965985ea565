/** The cluster view: sums over processes, combined dependency states, parsing published records. */
import assert from "node:assert/strict";
import { clusterOf, totalOf } from "../../src/dashboard/aggregate.ts";
import { parseNodeFigures } from "../../src/dashboard/figures.ts";
import { node } from "./_figures.ts";

Deno.test("totalOf sums counters and connections, merges latency, takes the log's bounds", () => {
  const t = totalOf([
    node(),
    node({
      node: "n2",
      connections: { operator: 1, admin: 1 },
      events_appended: 4,
      resumes: { snapshot: 1, resumed: 2 },
      closes: { "1000": 2, "4008": 1 },
      sr_event: { le: [0.01, 0.1], counts: [0, 1], count: 1, sum: 0.05 },
      log: { epoch: "e", head: 7, oldest: 3, retention_hours: 24 },
    }),
  ]);
  assert.equal(t.nodes, 2);
  assert.deepEqual(t.connections, { operator: 3, module: 1, admin: 1 });
  assert.equal(t.events_appended, 7);
  assert.deepEqual(t.resumes, { fresh: 2, resumed: 3, snapshot: 1 });
  assert.deepEqual(t.closes, { "1000": 3, "4008": 1 });
  assert.equal(t.heartbeat_timeouts, 2);
  assert.deepEqual(t.sr_event.counts, [2, 4]);
  assert.equal(t.sr_event.count, 4);
  assert.equal(t.sr_event_p50, 0.01);
  assert.deepEqual(t.log, { head: 7, oldest: 1, retention_hours: 24 });
  assert.equal(t.clients_total, 6);
});

Deno.test("dependency states: down wins, off only when every process is off", () => {
  assert.equal(totalOf([node(), node({ node: "b", database: "down" })]).database, "down");
  assert.equal(totalOf([node({ broker: "off" }), node({ node: "b", broker: "ok" })]).broker, "ok");
  assert.equal(totalOf([node({ broker: "off" })]).broker, "off");
  assert.equal(totalOf([]).database, "off");
});

Deno.test("clusterOf lists nodes by host and pid, clients oldest first, with ages", () => {
  const client = (id: string, at: string, n: string) => ({
    id,
    user: id,
    role: "operator",
    node: n,
    connected_at: at,
    last_heartbeat: at,
    remote_address: "127.0.0.1",
  });
  const view = clusterOf(
    [
      node({
        node: "b",
        pid: 20,
        updated_at: 900,
        clients: [client("x", "2026-01-01T00:00:02Z", "b")],
      }),
      node({
        node: "a",
        pid: 3,
        updated_at: 1_000,
        clients: [client("y", "2026-01-01T00:00:01Z", "a")],
      }),
    ],
    "a",
    1_000,
  );
  assert.deepEqual(view.nodes.map((n) => [n.node, n.age_ms]), [["a", 0], ["b", 100]]);
  assert.deepEqual(view.clients.map((c) => c.id), ["y", "x"]);
  assert.equal("clients" in view.nodes[0]!, false, "clients are listed once, not per node");
  assert.equal(view.self, "a");
});

Deno.test("parseNodeFigures takes a well-formed record and refuses anything else", () => {
  const good = node({ clients: [] });
  assert.deepEqual(parseNodeFigures(JSON.stringify(good)), good);
  for (
    const bad of [
      "not json",
      "null",
      "[]",
      JSON.stringify({ ...good, node: "" }),
      JSON.stringify({ ...good, connections: { operator: "2" } }),
      JSON.stringify({ ...good, database: "fine" }),
      JSON.stringify({ ...good, sr_event: { le: [1], counts: [], count: 0, sum: 0 } }),
      JSON.stringify({ ...good, clients: [{ id: 1 }] }),
      JSON.stringify({ ...good, log: null }),
    ]
  ) assert.equal(parseNodeFigures(bad), null, bad);
});
