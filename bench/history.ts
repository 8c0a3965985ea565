/**
 * Query times of `GET /api/history` at scale: p50/p99 of the store's history
 * read (the SQL the route runs, one page of 50 + 1 rows) over 100 000
 * decided rows, on SQLite and on MariaDB, for each filter and search kind
 * and for a page deep in the keyset. Prints a Markdown table.
 *
 * Usage: deno task bench:history [--rows=100000] [--runs=100]
 * (MariaDB from BENCH_MYSQL_HOST/PORT/USER/PASSWORD, default 127.0.0.1:3306 root,
 * in a fresh database that is dropped afterwards; skipped when it does not answer.)
 * @module
 */
import mysql from "mysql2/promise";
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import { asResponseId } from "../src/protocol/types.ts";
import { MysqlStore } from "../src/store/mysql_store.ts";
import { SqliteStore } from "../src/store/sqlite_store.ts";
import type { HistoryQuery, Store } from "../src/store/store.ts";
import { toDbTime } from "../src/store/sql_values.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rows: { type: "string", default: "100000" },
    runs: { type: "string", default: "100" },
  },
});
const ROWS = Number(values.rows);
const RUNS = Number(values.runs);
const MYSQL = {
  host: Deno.env.get("BENCH_MYSQL_HOST") ?? "127.0.0.1",
  port: Number(Deno.env.get("BENCH_MYSQL_PORT") ?? 3306),
  user: Deno.env.get("BENCH_MYSQL_USER") ?? "root",
  password: Deno.env.get("BENCH_MYSQL_PASSWORD") ?? "",
};
const WORDS = ["погода", "спасибо", "ответ", "reply", "thanks", "order", "delivery", "price"];
const T0 = Date.parse("2026-01-01T00:00:00Z");

/** Row `i`: a decided response; "rare" appears in 1 of 1000 replies, "погода" in 1 of 8. */
function row(i: number): (string | number | null)[] {
  const decidedAt = new Date(T0 + i * 60_000 + (i % 7));
  const text = `${WORDS[i % 8]} number ${i}${i % 1000 === 7 ? " RareToken" : ""}`;
  return [
    i % 3 === 0 ? "telegram" : "vk",
    i % 3 === 0 ? `https://t.me/chan/${i}` : `https://vk.com/wall-1_${i}`,
    `Post text ${i} about ${WORDS[(i * 7) % 8]}`,
    `author${i % 500}`,
    text,
    i % 4 === 0 ? "rejected" : "approved",
    toDbTime(new Date(decidedAt.getTime() - 3_600_000)),
    toDbTime(decidedAt),
    `op${i % 20}`,
    i % 4 === 0 ? "off topic" : null,
  ];
}
const COLUMNS =
  "(platform, post_url, post_text, author, response_text, status, created_at, decided_at, decided_by, reason)";

interface Target {
  readonly name: string;
  setup(): Promise<Store>;
  teardown(): Promise<void>;
}

function sqliteTarget(): Target {
  let dir = "";
  let store: Store | null = null;
  return {
    name: "SQLite",
    async setup() {
      dir = await Deno.makeTempDir({ prefix: "wsbench_history_" });
      const path = `${dir}/bench.sqlite`;
      store = new SqliteStore({ path });
      await store.init();
      const raw = new DatabaseSync(path);
      raw.exec("BEGIN");
      const stmt = raw.prepare(`INSERT INTO responses ${COLUMNS} VALUES (?,?,?,?,?,?,?,?,?,?)`);
      for (let i = 0; i < ROWS; i++) stmt.run(...row(i));
      raw.exec("COMMIT");
      raw.exec("ANALYZE");
      raw.close();
      return store;
    },
    async teardown() {
      await store?.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function mysqlTarget(): Target {
  const database = `wsbench_history_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
  let store: Store | null = null;
  return {
    name: "MariaDB",
    async setup() {
      store = new MysqlStore({ ...MYSQL, database });
      await store.init();
      const raw = await mysql.createConnection({ ...MYSQL, database });
      for (let i = 0; i < ROWS; i += 1000) {
        const batch = Array.from({ length: Math.min(1000, ROWS - i) }, (_, k) => row(i + k));
        await raw.query(`INSERT INTO responses ${COLUMNS} VALUES ?`, [batch]);
      }
      await raw.query("ANALYZE TABLE responses");
      await raw.end();
      return store;
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

/** The queries measured, each a page of 50 as the route asks (51 rows). */
const QUERIES: Record<string, (run: number) => HistoryQuery> = {
  "first page": () => ({ limit: 51 }),
  "deep page (keyset)": (run) => ({
    limit: 51,
    after: {
      decidedAt: new Date(T0 + ((run * 7919) % ROWS) * 60_000),
      id: asResponseId(ROWS),
    },
  }),
  "status=rejected": () => ({ status: "rejected", limit: 51 }),
  "platform=telegram": () => ({ platform: "telegram", limit: 51 }),
  "by=op7": () => ({ by: "op7", limit: 51 }),
  "status+platform+by": () => ({ status: "approved", platform: "vk", by: "op5", limit: 51 }),
  "q= common (1 in 8)": () => ({ q: "ПОГОДА", limit: 51 }),
  "q= rare (1 in 1000)": () => ({ q: "raretoken", limit: 51 }),
  "q= no match (full scan)": () => ({ q: "zzzz-nothing", limit: 51 }),
};

/** The p-quantile of sorted values; NaN without any. */
const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

const makers: (() => Target)[] = [sqliteTarget];
if (await mysqlUp()) makers.push(mysqlTarget);
else console.error(`MariaDB at ${MYSQL.host}:${MYSQL.port} does not answer: skipped`);

const table: string[] = [];
for (const make of makers) {
  const target = make();
  console.error(`${target.name}: inserting ${ROWS} decided rows…`);
  const store = await target.setup();
  try {
    for (const [name, query] of Object.entries(QUERIES)) {
      const times: number[] = [];
      let rows = 0;
      for (let run = 0; run < RUNS + 5; run++) {
        const t0 = performance.now();
        const page = await store.history(query(run));
        if (run >= 5) times.push(performance.now() - t0); // 5 warm-up runs
        rows = page.length;
      }
      times.sort((a, b) => a - b);
      table.push(
        `| ${target.name} | ${name} | ${rows} | ${percentile(times, 0.5).toFixed(2)} | ${
          percentile(times, 0.99).toFixed(2)
        } |`,
      );
      console.error(`  ${name}: p50 ${percentile(times, 0.5).toFixed(2)} ms`);
    }
  } finally {
    await target.teardown();
  }
}

console.log(`\nGET /api/history's query over ${ROWS} decided rows, ${RUNS} runs each\n`);
console.log("| store | query | rows | p50 ms | p99 ms |");
console.log("|---|---|---:|---:|---:|");
for (const line of table) console.log(line);
