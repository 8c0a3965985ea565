/**
 * Direct access to a server's database from tests, as another module of the
 * system would have it: insert `responses` rows, read rows and the log.
 * @module
 */
import mysql from "mysql2/promise";
import { DatabaseSync } from "node:sqlite";
import { TEST_MYSQL } from "./services.ts";

/** A row to insert (defaults fill the rest). */
export interface NewResponse {
  platform?: string;
  post_url?: string;
  post_text?: string | null;
  author?: string | null;
  response_text?: string;
  status?: string;
  created_at?: Date;
}

/** Database access for tests. */
export interface TestDb {
  readonly kind: "sqlite" | "mysql";
  /** Inserts a `responses` row; returns its id. */
  insertResponse(row?: NewResponse): Promise<number>;
  /** Reads a `responses` row. */
  getResponse(id: number): Promise<Record<string, unknown> | null>;
  /** The event log as stored: seq and kind and response id, ascending. */
  events(): Promise<Array<{ seq: number; kind: string; response_id: number }>>;
  /** Runs raw SQL (tests only). */
  exec(sql: string, params?: unknown[]): Promise<unknown>;
  close(): Promise<void>;
}

function sqlTime(d: Date): string {
  return d.toISOString().replace("T", " ").replace("Z", "");
}

function values(row: NewResponse): unknown[] {
  return [
    row.platform ?? "vk",
    row.post_url ?? "https://vk.com/wall-1_1",
    row.post_text === undefined ? "post text" : row.post_text,
    row.author === undefined ? "author" : row.author,
    row.response_text ?? "proposed reply",
    row.status ?? "pending",
    sqlTime(row.created_at ?? new Date()),
  ];
}

const INSERT =
  "INSERT INTO responses (platform, post_url, post_text, author, response_text, status, created_at) " +
  "VALUES (?, ?, ?, ?, ?, ?, ?)";

/** Opens the SQLite file a server uses (after it created the schema). */
export function sqliteDb(path: string): TestDb {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA busy_timeout = 5000");
  return {
    kind: "sqlite",
    insertResponse: (row = {}) =>
      Promise.resolve(Number(db.prepare(INSERT).run(...(values(row) as string[])).lastInsertRowid)),
    getResponse: (id) =>
      Promise.resolve(
        (db.prepare("SELECT * FROM responses WHERE id = ?").get(id) as Record<string, unknown>) ??
          null,
      ),
    events: () =>
      Promise.resolve(
        db.prepare("SELECT seq, kind, response_id FROM ws_events ORDER BY seq").all().map((r) => ({
          seq: Number(r.seq),
          kind: String(r.kind),
          response_id: Number(r.response_id),
        })),
      ),
    exec: (sql, params = []) => Promise.resolve(db.prepare(sql).run(...(params as string[]))),
    close: () => Promise.resolve(db.close()),
  };
}

/** Connects to the MariaDB database a server uses. */
export async function mysqlDb(database: string): Promise<TestDb> {
  const pool = mysql.createPool({
    ...TEST_MYSQL,
    database,
    connectionLimit: 4,
    timezone: "Z",
    dateStrings: true,
  });
  await pool.query("SELECT 1");
  return {
    kind: "mysql",
    insertResponse: async (row = {}) => {
      // deno-lint-ignore no-explicit-any
      const [res] = await pool.execute(INSERT, values(row) as any[]);
      return Number((res as { insertId: number }).insertId);
    },
    getResponse: async (id) => {
      const [rows] = await pool.query("SELECT * FROM responses WHERE id = ?", [id]);
      return (rows as Record<string, unknown>[])[0] ?? null;
    },
    events: async () => {
      const [rows] = await pool.query("SELECT seq, kind, response_id FROM ws_events ORDER BY seq");
      return (rows as Record<string, unknown>[]).map((r) => ({
        seq: Number(r.seq),
        kind: String(r.kind),
        response_id: Number(r.response_id),
      }));
    },
    exec: async (sql, params = []) => (await pool.query(sql, params))[0],
    close: () => pool.end(),
  };
}
