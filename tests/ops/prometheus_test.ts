/**
 * Debian's Prometheus scrapes a real server process with `METRICS_TOKEN` as
 * its bearer token, loads `ops/prometheus/alerts.yml` and evaluates every
 * rule without error; the test moves figures (operators connect, SRs
 * arrive) and reads them back through Prometheus' HTTP API, and runs every
 * expression of the Grafana dashboard there.
 */
import assert from "node:assert/strict";
import { freePort, mintToken } from "../_support/server.ts";
import { TestClient } from "../_support/ws_client.ts";
import { startHub } from "../sdk/_live.ts";
import { dashboardExprs, prometheusTool, ROOT } from "./_promql.ts";

const PROMETHEUS = prometheusTool("prometheus");
const opts = { sanitizeOps: false, sanitizeResources: false };
const METRICS_TOKEN = `metrics-${crypto.randomUUID()}`;

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant query through Prometheus' HTTP API. */
async function query(base: string, expr: string): Promise<Sample[]> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = await res.json();
  assert.equal(body.status, "success", `${expr}: ${JSON.stringify(body)}`);
  return body.data.result;
}

/** Polls a query until its first value satisfies `ok`. */
async function until(base: string, expr: string, ok: (v: number) => boolean): Promise<number> {
  const deadline = Date.now() + 30_000;
  let last: Sample[] = [];
  while (Date.now() < deadline) {
    last = await query(base, expr);
    if (last.length > 0 && ok(Number(last[0]!.value[1]))) return Number(last[0]!.value[1]);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${expr} never matched; last answer ${JSON.stringify(last)}`);
}

Deno.test({
  name: "Prometheus scrapes the server with METRICS_TOKEN and sees what moved",
  ignore: PROMETHEUS === null,
  ...opts,
}, async () => {
  const hub = await startHub(undefined, { METRICS_TOKEN });
  const dir = await Deno.makeTempDir({ prefix: "prometheus_" });
  const clients: TestClient[] = [];
  let prometheus: Deno.ChildProcess | null = null;
  let log = "";
  try {
    // The guard: no token or a wrong one is 401; the token is 200.
    const metricsUrl = `${hub.server.url}/metrics`;
    const bare = await fetch(metricsUrl);
    assert.equal(bare.status, 401);
    await bare.body?.cancel();
    const wrong = await fetch(metricsUrl, { headers: { authorization: "Bearer nope" } });
    assert.equal(wrong.status, 401);
    await wrong.body?.cancel();
    const right = await fetch(metricsUrl, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    assert.equal(right.status, 200);
    assert.match(await right.text(), /^ws_connections/m);

    const port = freePort();
    await Deno.writeTextFile(
      `${dir}/prometheus.yml`,
      [
        "global:",
        "  scrape_interval: 1s",
        "  evaluation_interval: 1s",
        "rule_files:",
        `  - ${ROOT}ops/prometheus/alerts.yml`,
        "scrape_configs:",
        "  - job_name: review-hub",
        "    authorization:",
        "      type: Bearer",
        `      credentials: ${METRICS_TOKEN}`,
        "    static_configs:",
        `      - targets: ["127.0.0.1:${hub.server.port}"]`,
        "",
      ].join("\n"),
    );
    prometheus = new Deno.Command(PROMETHEUS!, {
      args: [
        `--config.file=${dir}/prometheus.yml`,
        `--storage.tsdb.path=${dir}/data`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--log.level=warn",
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const pump = async (s: ReadableStream<Uint8Array>) => {
      const dec = new TextDecoder();
      for await (const c of s) log += dec.decode(c, { stream: true });
    };
    void pump(prometheus.stdout);
    void pump(prometheus.stderr);
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const r = await fetch(`${base}/-/ready`);
        await r.body?.cancel();
        if (r.status === 200) break;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) throw new Error(`Prometheus did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    await until(base, 'up{job="review-hub"}', (v) => v === 1);
    await until(base, 'sum(ws_connections{role="operator"}) or vector(0)', (v) => v === 0);

    // Move figures: three operators connect, a module sends two SRs.
    for (const user of ["ann", "bob", "cyd"]) {
      const c = await TestClient.open(hub.server.wsUrl);
      await c.hello(await mintToken(user, "operator"));
      clients.push(c);
    }
    const writer = await TestClient.open(hub.server.wsUrl);
    await writer.hello(await mintToken("writer", "module"));
    clients.push(writer);
    for (let i = 0; i < 2; i++) {
      const id = await hub.db.insertResponse({ response_text: `r${i}` });
      assert.equal((await writer.request({ type: "SR", id: i, response_id: id })).type, "ACK");
    }
    assert.equal(await until(base, 'sum(ws_connections{role="operator"})', (v) => v === 3), 3);
    await until(base, "sum(ws_events_appended_total)", (v) => v === 2);
    await until(base, "ws_sr_event_seconds_count", (v) => v === 2);
    await until(base, 'ws_dependency_up{dependency="database"}', (v) => v === 1);
    const info = await query(base, "ws_node_info");
    assert.equal(info.length, 1);
    assert.equal(info[0]!.metric.job, "review-hub");

    // Two leave: the gauge follows, the close counter counts them.
    await clients[0]!.close(1000);
    await clients[1]!.close(1000);
    await until(base, 'sum(ws_connections{role="operator"})', (v) => v === 1);
    await until(base, 'sum(ws_connections_closed_total{code="1000"})', (v) => v === 2);

    // Every rule of alerts.yml is loaded and evaluates without error; none fires.
    const ruleDeadline = Date.now() + 20_000;
    let rules: Array<{ name: string; health: string; lastError?: string; state: string }> = [];
    while (Date.now() < ruleDeadline) {
      const body = await (await fetch(`${base}/api/v1/rules`)).json();
      rules = body.data.groups.flatMap((g: { rules: unknown[] }) => g.rules);
      if (rules.length === 9 && rules.every((r) => r.health === "ok")) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(rules.length, 10, JSON.stringify(rules));
    for (const r of rules) assert.equal(r.health, "ok", `${r.name}: ${r.lastError}`);
    assert.deepEqual(rules.filter((r) => r.state === "firing").map((r) => r.name), []);

    // Every expression of the Grafana dashboard runs in Prometheus.
    const dashboard = JSON.parse(await Deno.readTextFile(`${ROOT}ops/grafana/review-hub.json`));
    let answered = 0;
    for (const { where, expr } of dashboardExprs(dashboard)) {
      const promql = expr.replaceAll("$__rate_interval", "1m").replaceAll("$instance", ".*");
      if (promql.startsWith("label_values(")) continue; // a Grafana function, not PromQL
      const result = await query(base, promql);
      if (result.length > 0) answered++;
      else {assert.ok(
          !/ws_connections\{|ws_event_log_head|ws_node_info/.test(expr),
          `${where}: empty`,
        );}
    }
    assert.ok(answered >= 10, `${answered} dashboard queries had data`);
  } finally {
    for (const c of clients) await c.close().catch(() => {});
    if (prometheus) {
      try {
        prometheus.kill("SIGTERM");
      } catch { /* gone */ }
      await prometheus.status;
    }
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await hub.dispose();
  }
});
