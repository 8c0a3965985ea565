/**
 * What our server's real path needs from the harness: a fresh database per
 * server start (an SQLite file, or a MariaDB database), rows inserted into
 * `responses` as the upstream module would, and tokens.
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import mysql from "mysql2/promise";
import { mintToken } from "../../tests/_support/server.ts";

/** MariaDB used by the benchmark (root, empty password, loopback only). */
export const BENCH_MYSQL = { host: "127.0.0.1", port: 3306, user: "root", password: "" } as const;

/** Inserts `responses` rows the way another module of the system does. */
export interface Rows {
  /** The server environment that points it at this database. */
  readonly env: Record<string, string>;
  /** Inserts `n` pending rows; returns their ids. */
  insert(n: number): Promise<number[]>;
  /** Closes and removes the database. */
  drop(): Promise<void>;
}

const POST_TEXT = "Benchmark post. ".repeat(12);
const REPLY_TEXT = "A proposed reply <b>with markup to escape</b> & more. ".repeat(5);

function dbTime(d: Date): string {
  return d.toISOString().replace("T", " ").replace("Z", "");
}

function values(n: number): unknown[][] {
  const now = dbTime(new Date());
  return Array.from({ length: n }, (_, i) => [
    "telegram",
    `https://t.me/bench_channel/${i + 1}`,
    POST_TEXT,
    "bench author",
    REPLY_TEXT,
    "pending",
    now,
  ]);
}

const INSERT =
  "INSERT INTO responses (platform, post_url, post_text, author, response_text, status, created_at) VALUES ";

/**
 * A fresh SQLite file in a temporary directory; the server creates the schema.
 * @returns the rows helper
 */
export async function sqliteRows(): Promise<Rows> {
  const dir = await Deno.makeTempDir({ prefix: "bench_sqlite_" });
  const path = `${dir}/bench.sqlite`;
  let db: DatabaseSync | null = null;
  return {
    env: { SQLITE_PATH: path },
    insert(n) {
      db ??= new DatabaseSync(path);
      db.exec("PRAGMA busy_timeout = 10000");
      const stmt = db.prepare(`${INSERT}(?, ?, ?, ?, ?, ?, ?)`);
      const ids: number[] = [];
      for (const row of values(n)) {
        ids.push(Number(stmt.run(...(row as string[])).lastInsertRowid));
      }
      return Promise.resolve(ids);
    },
    async drop() {
      db?.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/**
 * A fresh MariaDB database; the server creates it and the schema.
 * @returns the rows helper
 */
export function mysqlRows(): Rows {
  const name = `wsbench_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
  let pool: mysql.Pool | null = null;
  return {
    env: {
      MYSQL_HOST: BENCH_MYSQL.host,
      MYSQL_PORT: String(BENCH_MYSQL.port),
      MYSQL_USER: BENCH_MYSQL.user,
      MYSQL_PASSWORD: BENCH_MYSQL.password,
      MYSQL_DB: name,
    },
    async insert(n) {
      pool ??= mysql.createPool({ ...BENCH_MYSQL, database: name, connectionLimit: 2 });
      const ids: number[] = [];
      for (let at = 0; at < n; at += 500) {
        const chunk = values(Math.min(500, n - at));
        const [res] = await pool.query(`${INSERT}?`, [chunk]) as unknown as [{ insertId: number }];
        for (let i = 0; i < chunk.length; i++) ids.push(res.insertId + i);
      }
      return ids;
    },
    async drop() {
      await pool?.end();
      const conn = await mysql.createConnection({ ...BENCH_MYSQL });
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    },
  };
}

/**
 * Whether MariaDB answers on the benchmark's address.
 * @returns true when a connection succeeds
 */
export async function mysqlUp(): Promise<boolean> {
  try {
    const conn = await mysql.createConnection({ ...BENCH_MYSQL, connectTimeout: 2000 });
    await conn.end();
    return true;
  } catch {
    return false;
  }
}

/**
 * Tokens for the load generator.
 * @param role operator or module
 * @param count how many distinct users
 * @returns signed tokens valid for 6 hours
 */
export function tokens(role: "operator" | "module", count: number): Promise<string[]> {
  return Promise.all(
    Array.from(
      { length: count },
      (_, i) => mintToken(`bench-${role}-${i}`, role, { ttlSeconds: 21600 }),
    ),
  );
}
