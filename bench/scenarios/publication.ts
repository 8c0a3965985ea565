/**
 * Scenario S7 (issue 14): the publication queue against a real server
 * process, on SQLite and on MariaDB, over real WebSockets with the SDK.
 *
 * - TAKE throughput: `jobs` approvals are queued (UNDO_WINDOW_MS=0), then
 *   five modules TAKE (`max` 1 and 10) and report each job PUBLISHED at
 *   once, until the queue is empty: jobs per second end to end, and the
 *   TAKE round trip's p50/p99.
 * - Decision → published: `latency` approvals one after another (each
 *   after the previous was published), one module's `Publisher` posting to
 *   a fake platform that answers in 50 ms; p50/p99 between the `approved`
 *   and `published` events' server times.
 * @module
 */
import { mintToken, startServer } from "../../tests/_support/server.ts";
import { connect, type PublicationJob, Publisher, type ReviewClient } from "../../web/sdk/mod.ts";
import { mysqlRows, mysqlUp, type Rows, sqliteRows } from "../lib/hub.ts";

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

/** One TAKE round's figures. */
export interface Throughput {
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

async function measure(name: string, rows: Rows, JOBS: number, LATENCY_N: number) {
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

/** S7's figures on one database. */
export interface PublicationFigures {
  /** `SQLite` or `MariaDB`. */
  readonly name: string;
  /** One round per TAKE `max`. */
  readonly throughput: Throughput[];
  /** Decision → published p50 (ms). */
  readonly p50: number;
  /** Its p99 (ms). */
  readonly p99: number;
}

/**
 * Runs S7 on SQLite and, when it answers, on MariaDB.
 * @param jobs approvals per TAKE round
 * @param latency approvals of the latency round
 * @returns the figures and a Markdown report
 */
export async function runPublication(
  jobs: number,
  latency: number,
): Promise<{ results: PublicationFigures[]; markdown: string[] }> {
  const results: PublicationFigures[] = [
    await measure("SQLite", await sqliteRows(), jobs, latency),
  ];
  if (await mysqlUp()) results.push(await measure("MariaDB", mysqlRows(), jobs, latency));
  const markdown = [
    `S7 publication queue: ${jobs} jobs per round, ${MODULES} modules, one server process, ` +
    `UNDO_WINDOW_MS=0; decision → published over ${latency} approvals, a platform answering in 50 ms.`,
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
  return { results, markdown };
}
