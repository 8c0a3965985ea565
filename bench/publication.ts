/**
 * `deno task bench:publication` (issue 14): the publication queue's
 * throughput and latency against a real server process, on SQLite and on
 * MariaDB, over real WebSockets with the SDK.
 *
 * - TAKE throughput: `--jobs` approvals are queued (UNDO_WINDOW_MS=0), then
 *   five modules TAKE (`max` 1 and 10) and report each job PUBLISHED at
 *   once, until the queue is empty: jobs per second end to end, and the
 *   TAKE round trip's p50/p99.
 * - Decision → published: `--latency` approvals one after another, one
 *   module's `Publisher` posting to a fake platform that answers in 50 ms;
 *   p50/p99 between the `approved` and `published` events' server times.
 *
 * Usage: deno task bench:publication [--jobs=1000] [--latency=100]
 * (MariaDB on 127.0.0.1:3306 as root; skipped when it does not answer.)
 * Keep it short on a shared machine: this is a measurement, not a soak.
 * @module
 */
import { parseArgs } from "node:util";
import { mintToken, startServer } from "../tests/_support/server.ts";
import { connect, type PublicationJob, Publisher, type ReviewClient } from "../web/sdk/mod.ts";
import { mysqlRows, mysqlUp, type Rows, sqliteRows } from "./lib/hub.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    jobs: { type: "string", default: "1000" },
    latency: { type: "string", default: "100" },
  },
});
const JOBS = Number(values.jobs);
const LATENCY_N = Number(values.latency);
const MODULES = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: number[], q: number) =>
  sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(10);
  }
}

/** Approves every id, 50 at a time. */
async function approveAll(op: ReviewClient, ids: number[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 50) {
    await Promise.all(ids.slice(i, i + 50).map((id) => op.approve(id)));
  }
}

interface Throughput {
  max: number;
  jobsPerSec: number;
  takeP50Ms: number;
  takeP99Ms: number;
  takes: number;
}

/** Five modules drain `n` queued jobs, taking `max` at a time. */
async function drain(modules: ReviewClient[], n: number, max: number): Promise<Throughput> {
  let done = 0;
  let takes = 0;
  const rtt: number[] = [];
  const started = performance.now();
  await Promise.all(modules.map(async (m) => {
    for (;;) {
      const t = performance.now();
      const jobs = await m.take({ max });
      rtt.push(performance.now() - t);
      takes++;
      if (jobs.length === 0) return;
      await Promise.all(jobs.map((j) => m.published(j.response_id, j.attempt)));
      done += jobs.length;
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  if (done !== n) throw new Error(`drained ${done} of ${n}`);
  rtt.sort((a, b) => a - b);
  return {
    max,
    jobsPerSec: Math.round(n / seconds),
    takeP50Ms: pct(rtt, 0.5),
    takeP99Ms: pct(rtt, 0.99),
    takes,
  };
}

async function measure(name: string, rows: Rows) {
  const server = await startServer({
    ...rows.env,
    UNDO_WINDOW_MS: "0",
    RATE_LIMIT_PER_SEC: "100000",
    RATE_LIMIT_BURST: "100000",
    LOG_LEVEL: "error",
  }, { timeoutMs: 30_000 });
  const clients: ReviewClient[] = [];
  try {
    const op = connect(server.wsUrl, { token: await mintToken("bench-op", "operator") });
    clients.push(op);
    const modules: ReviewClient[] = [];
    for (let i = 0; i < MODULES; i++) {
      modules.push(connect(server.wsUrl, { token: await mintToken(`bench-pub-${i}`, "module") }));
    }
    clients.push(...modules);
    let queued = 0;
    op.on("queued", () => queued++);
    const throughput: Throughput[] = [];
    for (const max of [1, 10]) {
      queued = 0;
      const ids = await rows.insert(JOBS);
      await approveAll(op, ids);
      await until("every approval queued", () => queued >= JOBS, 60_000);
      throughput.push(await drain(modules, JOBS, max));
    }

    // Decision → published with a platform answering in 50 ms.
    const approvedAt = new Map<number, number>();
    const latencies: number[] = [];
    op.on("approved", (e) => approvedAt.set(e.response_id, Date.parse(e.at)));
    op.on("published", (e) => {
      const a = approvedAt.get(e.response_id);
      if (a !== undefined) latencies.push(Date.parse(e.at) - a);
    });
    const publisher = new Publisher(modules[0]!, async (_job: PublicationJob) => {
      await sleep(50);
      return { kind: "published" };
    });
    publisher.start();
    // One at a time, each after the previous was published: latency, not queueing.
    const ids = await rows.insert(LATENCY_N);
    for (const id of ids) {
      await op.approve(id);
      await until("published", () => latencies.length >= ids.indexOf(id) + 1, 10_000);
      await sleep(Math.random() * 20);
    }
    await until("every approval published", () => latencies.length >= LATENCY_N, 60_000);
    await publisher.stop();
    latencies.sort((a, b) => a - b);
    return { name, throughput, p50: pct(latencies, 0.5), p99: pct(latencies, 0.99) };
  } finally {
    for (const c of clients) c.close();
    await server.stop().catch(() => 0);
    await rows.drop();
  }
}

const results = [await measure("SQLite", await sqliteRows())];
if (await mysqlUp()) results.push(await measure("MariaDB", mysqlRows()));
const lines = [
  `# Publication queue — ${new Date().toISOString()}`,
  "",
  `${JOBS} jobs per round, ${MODULES} modules, one server process, UNDO_WINDOW_MS=0; ` +
  `decision → published over ${LATENCY_N} approvals, a platform answering in 50 ms.`,
  "",
  "| database | TAKE max | jobs/s (take + PUBLISHED) | TAKE p50 ms | TAKE p99 ms | TAKEs |",
  "|---|---|---|---|---|---|",
  ...results.flatMap((r) =>
    r.throughput.map((t) =>
      `| ${r.name} | ${t.max} | ${t.jobsPerSec} | ${t.takeP50Ms.toFixed(1)} | ${
        t.takeP99Ms.toFixed(1)
      } | ${t.takes} |`
    )
  ),
  "",
  "| database | decision → published p50 ms | p99 ms |",
  "|---|---|---|",
  ...results.map((r) => `| ${r.name} | ${r.p50} | ${r.p99} |`),
];
console.log(lines.join("\n"));
