/**
 * Append rate of the store: announce + decide events per second, and the
 * p50/p99 latency of `decide`, on SQLite and on MariaDB, with 1 and N
 * concurrent writers in one process. Prints a Markdown table.
 *
 * Usage: deno run --allow-net=127.0.0.1 --allow-env --allow-read --allow-write \
 *   bench/store_append.ts [--rows=2000] [--writers=8]
 * (MariaDB from BENCH_MYSQL_HOST/PORT/USER/PASSWORD, default 127.0.0.1:3306 root;
 * skipped when it does not answer.)
 * @module
 */
import mysql from "mysql2/promise";
import type { ResultSetHeader } from "mysql2/promise";
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import { asResponseId, asSafeHtml, type Platform, type ResponseId } from "../src/protocol/types.ts";
import { MysqlStore } from "../src/store/mysql_store.ts";
import { SqliteStore } from "../src/store/sqlite_store.ts";
import type { ResponseRow, Store } from "../src/store/store.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { rows: { type: "string", default: "2000" }, writers: { type: "string", default: "8" } },
});
const ROWS = Number(values.rows);
const WRITERS = Number(values.writers);
const MYSQL = {
  host: Deno.env.get("BENCH_MYSQL_HOST") ?? "127.0.0.1",
  port: Number(Deno.env.get("BENCH_MYSQL_PORT") ?? 3306),
  user: Deno.env.get("BENCH_MYSQL_USER") ?? "root",
  password: Deno.env.get("BENCH_MYSQL_PASSWORD") ?? "",
};

const build = (row: ResponseRow) => ({
  event: "pending" as const,
  response_id: row.id,
  platform: row.platform as Platform,
  post_url: row.post_url,
  html: asSafeHtml(`<article><p>${row.response_text}</p></article>`),
});

interface Target {
  readonly name: string;
  /** Opens an initialised store on a fresh database with `rows` pending rows. */
  setup(rows: number, writers: number): Promise<{ store: Store; ids: ResponseId[] }>;
  teardown(): Promise<void>;
}

const ROW_VALUES = (i: number) => [
  "vk",
  `https://vk.com/wall-1_${i}`,
  `proposed reply number ${i}`,
  "2026-01-01 00:00:00.000",
];
const INSERT = "INSERT INTO responses (platform, post_url, response_text, status, created_at) " +
  "VALUES (?, ?, ?, 'pending', ?)";

function sqliteTarget(): Target {
  let dir = "";
  let store: Store | null = null;
  return {
    name: "SQLite",
    async setup(rows) {
      dir = await Deno.makeTempDir({ prefix: "wsbench_" });
      const path = `${dir}/bench.sqlite`;
      store = new SqliteStore({ path });
      await store.init();
      const raw = new DatabaseSync(path);
      raw.exec("BEGIN");
      const stmt = raw.prepare(INSERT);
      const ids: ResponseId[] = [];
      for (let i = 0; i < rows; i++) {
        ids.push(asResponseId(Number(stmt.run(...ROW_VALUES(i)).lastInsertRowid)));
      }
      raw.exec("COMMIT");
      raw.close();
      return { store, ids };
    },
    async teardown() {
      await store?.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function mysqlTarget(): Target {
  const database = `wsbench_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  let store: Store | null = null;
  return {
    name: "MariaDB",
    async setup(rows, writers) {
      store = new MysqlStore({ ...MYSQL, database, connectionLimit: Math.max(10, writers + 2) });
      await store.init();
      const raw = await mysql.createConnection({ ...MYSQL, database });
      const ids: ResponseId[] = [];
      for (let i = 0; i < rows; i++) {
        const [res] = await raw.query(INSERT, ROW_VALUES(i));
        ids.push(asResponseId((res as ResultSetHeader).insertId));
      }
      await raw.end();
      return { store, ids };
    },
    async teardown() {
      await store?.close();
      const raw = await mysql.createConnection(MYSQL);
      await raw.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await raw.end();
    },
  };
}

async function mysqlUp(): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: MYSQL.host, port: MYSQL.port })).close();
    return true;
  } catch {
    return false;
  }
}

/** The p-quantile of sorted values; NaN without any. */
const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

interface Result {
  target: string;
  writers: number;
  events: number;
  seconds: number;
  p50: number;
  p99: number;
}

async function run(target: Target, writers: number): Promise<Result> {
  const { store, ids } = await target.setup(ROWS, writers);
  try {
    const latencies: number[] = [];
    let next = 0;
    let events = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: writers }, async (_, w) => {
      for (let i = next++; i < ids.length; i = next++) {
        const id = ids[i]!; // i < ids.length
        if ((await store.announce(id, build)).kind === "appended") events++;
        const t0 = performance.now();
        const r = await store.decide({
          responseId: id,
          decision: i % 2 ? "approved" : "rejected",
          by: `op${w}`,
          at: new Date(),
        });
        latencies.push(performance.now() - t0);
        if (r.kind === "appended") events++;
      }
    }));
    const seconds = (performance.now() - started) / 1000;
    if (events !== 2 * ids.length || (await store.head()) !== events) {
      throw new Error(`lost appends: ${events} events for ${ids.length} rows`);
    }
    latencies.sort((a, b) => a - b);
    return {
      target: target.name,
      writers,
      events,
      seconds,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
    };
  } finally {
    await target.teardown();
  }
}

const makers: (() => Target)[] = [sqliteTarget];
if (await mysqlUp()) makers.push(mysqlTarget);
else console.error(`MariaDB at ${MYSQL.host}:${MYSQL.port} does not answer: skipped`);

const results: Result[] = [];
for (const make of makers) {
  for (const writers of [1, WRITERS]) results.push(await run(make(), writers));
}

console.log(`\n${ROWS} responses, each announced then decided (2 events per response)\n`);
console.log("| store | writers | events | seconds | events/s | decide p50 ms | decide p99 ms |");
console.log("|---|---:|---:|---:|---:|---:|---:|");
for (const r of results) {
  console.log(
    `| ${r.target} | ${r.writers} | ${r.events} | ${r.seconds.toFixed(2)} | ` +
      `${Math.round(r.events / r.seconds)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} |`,
  );
}
