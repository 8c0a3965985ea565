/**
 * Fresh databases for the store tests: one harness per dialect, each giving
 * a new database (MariaDB) or file (SQLite) per test, stores opened on it,
 * and a separate raw connection playing "the other modules" that insert rows.
 * @module
 */
import mysql from "mysql2/promise";
import type { ResultSetHeader } from "mysql2/promise";
import { DatabaseSync } from "node:sqlite";
import { MysqlStore } from "../../src/store/mysql_store.ts";
import { SqliteStore } from "../../src/store/sqlite_store.ts";
import type { QueryObserver, Store } from "../../src/store/store.ts";
import type { SqlParam, SqlRow } from "../../src/store/sql_values.ts";
import { freshMysqlDatabase, freshSqlitePath, MYSQL_UP, TEST_MYSQL } from "../_support/services.ts";

/** Where a store lives, as passed to `_append_worker.ts`. */
export type StoreTarget =
  | { readonly dialect: "mysql"; readonly database: string }
  | { readonly dialect: "sqlite"; readonly path: string };

/** What a raw statement returned. */
export interface ExecResult {
  readonly rows: SqlRow[];
  readonly insertId: number;
  readonly affected: number;
}

/** One test's database. */
export interface StoreFixture {
  readonly target: StoreTarget;
  /** A new store on this database (not initialised), closed by `dispose`. */
  open(options?: { observe?: QueryObserver }): Store;
  /** Runs raw SQL on a separate connection, as another module would. */
  exec(sql: string, params?: readonly SqlParam[]): Promise<ExecResult>;
  /** Closes every store and connection and removes the database. */
  dispose(): Promise<void>;
}

/** Makes fresh fixtures of one dialect. */
export interface StoreHarness {
  readonly name: "mysql" | "sqlite";
  /** Set when the database is not reachable. */
  readonly ignore: boolean;
  fresh(): Promise<StoreFixture>;
}

/**
 * Opens a store on a target (used by the tests and by the worker script).
 * @param target the database
 * @param observe optional timing observer
 * @param sqlite SQLite's options (a longer busy timeout for the writer processes)
 * @returns the store, not yet initialised
 */
export function openStore(
  target: StoreTarget,
  observe?: QueryObserver,
  sqlite: { busyTimeoutMs?: number } = {},
): Store {
  return target.dialect === "mysql"
    ? new MysqlStore({ ...TEST_MYSQL, database: target.database, ...(observe ? { observe } : {}) })
    : new SqliteStore({ path: target.path, ...sqlite, ...(observe ? { observe } : {}) });
}

/**
 * A raw connection for inserting rows, as another module would.
 * @param target the database
 * @param server the MySQL server (default: the test server)
 */
export async function rawConnection(
  target: StoreTarget,
  server: { host: string; port: number; user: string; password: string } = TEST_MYSQL,
): Promise<{ exec: StoreFixture["exec"]; close(): Promise<void> }> {
  if (target.dialect === "mysql") {
    const conn = await mysql.createConnection({
      ...server,
      database: target.database,
      dateStrings: true,
      timezone: "Z",
    });
    return {
      exec: async (sql, params = []) => {
        const [res] = await conn.query(sql, params as unknown[]);
        if (Array.isArray(res)) return { rows: res as SqlRow[], insertId: 0, affected: 0 };
        const h = res as ResultSetHeader;
        return { rows: [], insertId: Number(h.insertId), affected: h.affectedRows };
      },
      close: () => conn.end(),
    };
  }
  const db = new DatabaseSync(target.path);
  db.exec("PRAGMA busy_timeout = 10000");
  return {
    exec: (sql, params = []) => {
      const stmt = db.prepare(sql);
      if (/^\s*(SELECT|PRAGMA|EXPLAIN)/i.test(sql)) {
        return Promise.resolve({ rows: stmt.all(...params) as SqlRow[], insertId: 0, affected: 0 });
      }
      const r = stmt.run(...params);
      return Promise.resolve({
        rows: [],
        insertId: Number(r.lastInsertRowid),
        affected: Number(r.changes),
      });
    },
    close: () => Promise.resolve(db.close()),
  };
}

function fixture(target: StoreTarget, remove: () => Promise<void>): StoreFixture {
  const stores: Store[] = [];
  let raw: Awaited<ReturnType<typeof rawConnection>> | null = null;
  return {
    target,
    open(options = {}) {
      const store = openStore(target, options.observe);
      stores.push(store);
      return store;
    },
    async exec(sql, params) {
      raw ??= await rawConnection(target);
      return raw.exec(sql, params);
    },
    async dispose() {
      await Promise.all(stores.map((s) => s.close()));
      await raw?.close();
      await remove();
    },
  };
}

/** Fresh MariaDB databases. */
export const mysqlHarness: StoreHarness = {
  name: "mysql",
  ignore: !MYSQL_UP,
  fresh() {
    const db = freshMysqlDatabase("wstest_store");
    return Promise.resolve(fixture({ dialect: "mysql", database: db.name }, db.drop));
  },
};

/** Fresh SQLite files. */
export const sqliteHarness: StoreHarness = {
  name: "sqlite",
  ignore: false,
  async fresh() {
    const file = await freshSqlitePath();
    return fixture({ dialect: "sqlite", path: file.path }, file.remove);
  },
};
