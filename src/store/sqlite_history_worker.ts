/**
 * The worker behind `sqlite_history_reader.ts`: its own connection to the
 * SQLite file, on which it runs history reads one at a time, so a search
 * that scans (a `q` of one or two characters, a common trigram) costs this
 * thread and never the server's event loop. Messages: `{ kind: "open",
 * path, busyTimeoutMs }` once, then `{ kind: "read", id, query }`, each
 * answered `{ id, rows }` or `{ id, error, unavailable }`.
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { HistoryQuery } from "./history_store.ts";
import { readHistory } from "./sql_history.ts";
import type { SqlRunner } from "./sql_runner.ts";
import { UNICODE_LOWER } from "./sql_search.ts";
import type { SqlRow } from "./sql_values.ts";
import { SQLITE_DIALECT } from "./sqlite_dialect.ts";

/** What the reader sends. */
export type HistoryWorkerRequest =
  | { readonly kind: "open"; readonly path: string; readonly busyTimeoutMs: number }
  | { readonly kind: "read"; readonly id: number; readonly query: HistoryQuery };

/** What the worker answers to a read. */
export type HistoryWorkerReply =
  | { readonly id: number; readonly rows: unknown[] }
  | { readonly id: number; readonly error: string; readonly unavailable: boolean };

interface WorkerScope {
  onmessage: ((e: MessageEvent<HistoryWorkerRequest>) => void) | null;
  postMessage(message: HistoryWorkerReply): void;
}

const scope = globalThis as unknown as WorkerScope;
let db: DatabaseSync | null = null;
const statements = new Map<string, StatementSync>();

function prepare(sql: string): StatementSync {
  if (db === null) throw new Error("the history worker has no database open");
  let s = statements.get(sql);
  if (s === undefined) {
    s = db.prepare(sql);
    statements.set(sql, s);
  }
  return s;
}

const runner: SqlRunner = {
  all: (sql, params = []) => Promise.resolve(prepare(sql).all(...params) as SqlRow[]),
  run: () => Promise.reject(new Error("the history worker only reads")),
  runForId: () => Promise.reject(new Error("the history worker only reads")),
};

const UNAVAILABLE =
  /database is locked|database table is locked|disk I\/O error|unable to open database/i;

scope.onmessage = async (e) => {
  const msg = e.data;
  if (msg.kind === "open") {
    db = new DatabaseSync(msg.path);
    db.exec(`PRAGMA busy_timeout = ${Math.trunc(msg.busyTimeoutMs)}`);
    db.function(
      UNICODE_LOWER,
      { deterministic: true },
      (v) => typeof v === "string" ? v.toLowerCase() : v,
    );
    return;
  }
  try {
    const rows = await readHistory(runner, SQLITE_DIALECT, msg.query);
    scope.postMessage({ id: msg.id, rows });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    scope.postMessage({ id: msg.id, error: message, unavailable: UNAVAILABLE.test(message) });
  }
};
