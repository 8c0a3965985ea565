/**
 * The announce scan's cost at 100 000 rows (issue 17): the median time of
 * `Store.unannounced(100)` and `Store.pendingStats()` on SQLite and MariaDB,
 * for (a) 100 000 rows of which 1 000 pending, all announced, and 10 not, and
 * (b) the worst case: 100 000 pending rows, all announced. Prints a Markdown table.
 *
 * Usage: deno run --allow-net=127.0.0.1 --allow-env --allow-read --allow-write bench/announce_scan.ts
 * @module
 */
import mysql from "mysql2/promise";
import { DatabaseSync } from "node:sqlite";
import { MysqlStore } from "../src/store/mysql_store.ts";
import { SqliteStore } from "../src/store/sqlite_store.ts";
import type { Store } from "../src/store/store.ts";

const ROWS = 100_000;
const RUNS = 20;
const MYSQL = { host: "127.0.0.1", port: 3306, user: "root", password: "" };

/** Rows as (status, announced) for a scenario: row i of ROWS. */
type Shape = (i: number) => { pending: boolean; announced: boolean };
const SCENARIOS: ReadonlyArray<readonly [string, Shape]> = [
  ["100k rows, 1000 pending, 10 unannounced", (i) => ({
    pending: i >= ROWS - 1000,
    announced: i < ROWS - 10,
  })],
  ["100k pending, all announced (worst case)", () => ({ pending: true, announced: true })],
];

function rowSql(i: number, shape: Shape): [unknown[], boolean] {
  const s = shape(i);
  const created = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString().replace("T", " ")
    .replace("Z", "");
  return [[
    "vk",
    `https://vk.com/wall-1_${i}`,
    "reply",
    s.pending ? "pending" : "approved",
    created,
  ], s.announced];
}

async function time(store: Store): Promise<[number, number]> {
  const scans: number[] = [];
  const stats: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    let t = performance.now();
    await store.unannounced(100);
    scans.push(performance.now() - t);
    t = performance.now();
    await store.pendingStats(new Date());
    stats.push(performance.now() - t);
  }
  const median = (v: number[]) => v.sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  return [median(scans), median(stats)];
}

const lines = [
  "| database | scenario | unannounced(100) median ms | pendingStats median ms |",
  "|---|---|---|---|",
];
for (const [name, shape] of SCENARIOS) {
  const dir = await Deno.makeTempDir({ prefix: "wsscan_" });
  const path = `${dir}/scan.sqlite`;
  const sqlite = new SqliteStore({ path });
  await sqlite.init();
  const raw = new DatabaseSync(path);
  raw.exec("BEGIN");
  const ins = raw.prepare(
    "INSERT INTO responses (platform, post_url, response_text, status, created_at) VALUES (?, ?, ?, ?, ?)",
  );
  const ann = raw.prepare("INSERT INTO ws_announcements (response_id, pending_seq) VALUES (?, ?)");
  for (let i = 0; i < ROWS; i++) {
    const [v, announced] = rowSql(i, shape);
    const id = Number(ins.run(...(v as string[])).lastInsertRowid);
    if (announced) ann.run(id, id);
  }
  raw.exec("COMMIT");
  raw.exec("ANALYZE");
  raw.close();
  const [s1, s2] = await time(sqlite);
  lines.push(`| SQLite | ${name} | ${s1.toFixed(2)} | ${s2.toFixed(2)} |`);
  await sqlite.close();
  await Deno.remove(dir, { recursive: true });

  const database = `wsscan_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
  const my = new MysqlStore({ ...MYSQL, database });
  await my.init();
  const conn = await mysql.createConnection({ ...MYSQL, database });
  for (let start = 0; start < ROWS; start += 1000) {
    const rows: unknown[][] = [];
    const announced: boolean[] = [];
    for (let i = start; i < start + 1000; i++) {
      const [v, a] = rowSql(i, shape);
      rows.push(v);
      announced.push(a);
    }
    const [res] = await conn.query(
      "INSERT INTO responses (platform, post_url, response_text, status, created_at) VALUES ?",
      [rows],
    );
    const first = (res as { insertId: number }).insertId;
    const anns = announced.flatMap((a, k) => (a ? [[first + k, first + k]] : []));
    if (anns.length > 0) {
      await conn.query("INSERT INTO ws_announcements (response_id, pending_seq) VALUES ?", [anns]);
    }
  }
  await conn.query("ANALYZE TABLE responses, ws_announcements");
  const [m1, m2] = await time(my);
  lines.push(`| MariaDB | ${name} | ${m1.toFixed(2)} | ${m2.toFixed(2)} |`);
  await my.close();
  await conn.query(`DROP DATABASE ${database}`);
  await conn.end();
}
console.log(lines.join("\n"));
