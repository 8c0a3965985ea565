/**
 * Real stores for the review tests, made by the production factory
 * (`createStore`) from a configuration: a fresh SQLite file, and a fresh
 * MariaDB database when one answers. A raw connection plays the other module
 * that inserts `responses` rows.
 * @module
 */
import mysql from "mysql2/promise";
import type { ResultSetHeader } from "mysql2/promise";
import { DatabaseSync } from "node:sqlite";
import { parseConfig } from "../../src/config.ts";
import { asResponseId, type ResponseId } from "../../src/protocol/types.ts";
import { createStore } from "../../src/store/factory.ts";
import type { Store } from "../../src/store/store.ts";
import { freshMysqlDatabase, freshSqlitePath, MYSQL_UP, TEST_MYSQL } from "../_support/services.ts";

/** A row as another module inserts it. */
export interface NewRow {
  readonly platform?: string;
  readonly post_url?: string;
  readonly post_text?: string | null;
  readonly author?: string | null;
  readonly response_text?: string;
  readonly status?: string;
  readonly decided_by?: string | null;
  readonly created_at?: Date;
}

/** One test's store and its raw inserter. */
export interface StoreCase {
  readonly store: Store;
  /** Inserts a row as another module would; returns its id. */
  insert(row?: NewRow): Promise<ResponseId>;
  /** Puts a decided row back to pending, as another module may. */
  reopen(id: ResponseId): Promise<void>;
  /** Closes everything and removes the database. */
  dispose(): Promise<void>;
}

/** A database kind to run the review tests on. */
export interface StoreKind {
  readonly name: "sqlite" | "mysql";
  readonly ignore: boolean;
  open(): Promise<StoreCase>;
}

const REOPEN =
  "UPDATE responses SET status = 'pending', decided_by = NULL, decided_at = NULL WHERE id = ?";
const INSERT = "INSERT INTO responses " +
  "(platform, post_url, post_text, author, response_text, status, created_at, decided_by) " +
  "VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

/** `YYYY-MM-DD HH:MM:SS.mmm` in UTC, as PROTOCOL.md §6 stores times. */
const sqlTime = (d: Date) => d.toISOString().replace("T", " ").slice(0, 23);

function values(row: NewRow): Array<string | null> {
  return [
    row.platform ?? "vk",
    row.post_url ?? "https://vk.com/wall-1_2",
    row.post_text ?? null,
    row.author === undefined ? "Ann" : row.author,
    row.response_text ?? "Thank you!",
    row.status ?? "pending",
    sqlTime(row.created_at ?? new Date()),
    row.decided_by ?? null,
  ];
}

const sqlite: StoreKind = {
  name: "sqlite",
  ignore: false,
  open: async () => {
    const file = await freshSqlitePath();
    const store = createStore(parseConfig({ SQLITE_PATH: file.path }));
    await store.init();
    const raw = new DatabaseSync(file.path);
    raw.exec("PRAGMA busy_timeout = 5000");
    return {
      store,
      insert: (row = {}) => {
        const r = raw.prepare(INSERT).run(...values(row));
        return Promise.resolve(asResponseId(Number(r.lastInsertRowid)));
      },
      reopen: (id) => {
        raw.prepare(REOPEN).run(id);
        return Promise.resolve();
      },
      dispose: async () => {
        await store.close();
        raw.close();
        await file.remove();
      },
    };
  },
};

const mariadb: StoreKind = {
  name: "mysql",
  ignore: !MYSQL_UP,
  open: async () => {
    const db = freshMysqlDatabase("wsreview");
    const store = createStore(parseConfig({
      MYSQL_HOST: TEST_MYSQL.host,
      MYSQL_PORT: String(TEST_MYSQL.port),
      MYSQL_USER: TEST_MYSQL.user,
      MYSQL_PASSWORD: TEST_MYSQL.password,
      MYSQL_DB: db.name,
    }));
    await store.init();
    const raw = await mysql.createConnection({ ...TEST_MYSQL, database: db.name, timezone: "Z" });
    return {
      store,
      insert: async (row = {}) => {
        const [res] = await raw.query(INSERT, values(row));
        return asResponseId(Number((res as ResultSetHeader).insertId));
      },
      reopen: async (id) => {
        await raw.query(REOPEN, [id]);
      },
      dispose: async () => {
        await store.close();
        await raw.end();
        await db.drop();
      },
    };
  },
};

/** The databases the review tests run on. */
export const STORE_KINDS: readonly StoreKind[] = [sqlite, mariadb];
