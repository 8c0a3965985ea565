/**
 * `ops/grafana/review-hub.json` is a dashboard ready for provisioning, and
 * every expression in it (and in the alert rules) names only metrics the
 * server exports: compared with a real `/metrics` scrape plus the names
 * `metrics.ts` registers (labelled metrics without samples yet print no line).
 */
import assert from "node:assert/strict";
import { startHub } from "../sdk/_live.ts";
import {
  dashboardExprs,
  exposedNames,
  metricNames,
  registeredNames,
  ROOT,
  ruleExprs,
} from "./_promql.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const DASHBOARD = JSON.parse(await Deno.readTextFile(`${ROOT}ops/grafana/review-hub.json`));
const ALERTS = await Deno.readTextFile(`${ROOT}ops/prometheus/alerts.yml`);

/** Series the alert rules may name that this server does not export: Prometheus' own `up`. */
const ALERT_ONLY = new Set(["up"]);

Deno.test("metricNames reads the metrics of PromQL, not its functions, labels or variables", () => {
  const cases: Array<[string, string[]]> = [
    ['sum by (role) (ws_connections{role!="unauthenticated", instance=~"$instance"})', [
      "ws_connections",
    ]],
    [
      "histogram_quantile(0.99, sum by (le, op) (rate(ws_db_query_seconds_bucket[$__rate_interval])))",
      [
        "ws_db_query_seconds_bucket",
      ],
    ],
    ["process_open_fds / process_max_fds > 0.8", ["process_open_fds", "process_max_fds"]],
    ["sum(rate(a_total[5m] offset 1h)) by (instance) / clamp_min(b, 1e-9) > 2", ["a_total", "b"]],
    ["x and on (instance) y or ignoring(job) z unless bool w", ["x", "y", "z", "w"]],
    ["label_values(ws_node_info, instance)", ["ws_node_info"]],
    ['count(foo{le="+Inf", name="by"}) > -Inf', ["foo"]],
  ];
  for (const [expr, names] of cases) assert.deepEqual(metricNames(expr), names, expr);
});

Deno.test("the Grafana dashboard is a provisionable dashboard on a Prometheus data source", () => {
  assert.equal(DASHBOARD.uid, "review-hub");
  assert.equal(typeof DASHBOARD.title, "string");
  assert.equal(DASHBOARD.id, undefined, "no instance-specific id");
  assert.equal(DASHBOARD.__inputs, undefined, "not an export needing import inputs");
  const variables = DASHBOARD.templating.list;
  assert.ok(
    variables.some((v: { type: string; query: string }) =>
      v.type === "datasource" && v.query === "prometheus"
    ),
  );
  const ids = new Set<number>();
  for (const p of DASHBOARD.panels) {
    assert.ok(!ids.has(p.id), `panel id ${p.id} is unique`);
    ids.add(p.id);
    assert.ok(p.gridPos && p.gridPos.w > 0 && p.gridPos.x + p.gridPos.w <= 24, p.title);
    if (p.type === "row") continue;
    assert.ok(p.targets?.length > 0, `panel "${p.title}" queries something`);
    assert.equal(p.datasource?.uid, "${datasource}", `panel "${p.title}" uses the variable`);
  }
  assert.ok(dashboardExprs(DASHBOARD).length >= 20);
});

Deno.test(
  { name: "every metric the dashboard and the alerts name is exported", ...opts },
  async () => {
    const hub = await startHub();
    try {
      const res = await fetch(`${hub.server.url}/metrics`);
      assert.equal(res.status, 200);
      const scraped = exposedNames(await res.text());
      assert.ok(scraped.has("ws_connections") && scraped.has("process_cpu_seconds_total"));
      const exported = new Set([...scraped, ...registeredNames()]);

      const missing: string[] = [];
      const named = new Set<string>();
      for (const { where, expr } of dashboardExprs(DASHBOARD)) {
        const names = metricNames(expr);
        assert.ok(names.length > 0, `${where}: ${expr} names a metric`);
        for (const n of names) {
          named.add(n);
          if (!exported.has(n)) missing.push(`${where}: ${n}`);
        }
      }
      for (const [alert, expr] of ruleExprs(ALERTS)) {
        for (const n of metricNames(expr)) {
          if (!exported.has(n) && !ALERT_ONLY.has(n)) missing.push(`alert ${alert}: ${n}`);
        }
      }
      assert.deepEqual(missing, [], "names the server does not export");
      assert.equal(ruleExprs(ALERTS).size, 10, "every alert's expression was read");
      // The figures the issue names are all charted.
      for (
        const n of [
          "ws_connections",
          "ws_events_appended_total",
          "ws_sr_event_seconds_bucket",
          "ws_resumes_total",
          "ws_connections_closed_total",
          "ws_heartbeat_timeouts_total",
          "ws_dependency_up",
          "ws_event_log_head",
          // v1.2: the publication panels.
          "ws_publication_queue",
          "ws_publication_oldest_unpublished_seconds",
          "ws_publication_latency_seconds_bucket",
          "ws_publication_failures_total",
        ]
      ) assert.ok(named.has(n), `the dashboard charts ${n}`);
    } finally {
      await hub.dispose();
    }
  },
);
