/**
 * `Store` on the embedded SQLite (`node:sqlite`): `SqlStore` over the engine
 * below. WAL, `synchronous=FULL`, a busy timeout, and `BEGIN IMMEDIATE` for
 * every writing transaction, so several processes may share one file.
 * Within a process, operations on one file run one at a time (a promise
 * queue per file, shared by every store on it): the driver is synchronous,
 * so a second connection's `BEGIN IMMEDIATE` would otherwise block the
 * thread that must finish the first transaction, and no read sees another
 * operation's open transaction.
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { dirname, resolve } from "node:path";
import type { HistoryQuery } from "./history_store.ts";
import type { ResponseRow } from "./rows.ts";
import { type QueryObserver, StoreUnavailableError } from "./store.ts";
import { migrate } from "./schema.ts";
import { readHistory } from "./sql_history.ts";
import { UNICODE_LOWER } from "./sql_search.ts";
import { SQLITE_DIALECT } from "./sqlite_dialect.ts";
import { SqliteHistoryReader } from "./sqlite_history_reader.ts";
import type { SqlEngine, TransactionKind } from "./sql_engine.ts";
import type { SqlRunner } from "./sql_runner.ts";
import { SqlStore } from "./sql_store.ts";
import type { SqlRow } from "./sql_values.ts";

/** Options of `SqliteStore`. */
export interface SqliteStoreOptions {
  /** The database file; its directory is created if missing. */
  readonly path: string;
  /** How long a statement waits for another connection's lock (ms); default 5000 (`DB_TIMEOUT_MS`). */
  readonly busyTimeoutMs?: number;
  /** Called with each operation's name and duration in seconds. */
  readonly observe?: QueryObserver;
  /**
   * History reads on a worker thread, each within `busyTimeoutMs` (default
   * true for a file; `:memory:` always reads in place).
   */
  readonly historyOffThread?: boolean;
}

/** SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN (primary codes). */
const UNAVAILABLE_CODES = new Set([5, 6, 10, 13, 14]);
/** The same failures by message, for drivers whose errors carry no `errcode` (Deno's). */
const UNAVAILABLE_MESSAGES =
  /database is locked|database table is locked|disk I\/O error|database or disk is full|unable to open database/i;

function mapError(e: unknown): unknown {
  if (e instanceof StoreUnavailableError) return e;
  const code = (e as { errcode?: unknown })?.errcode;
  const byCode = typeof code === "number" && UNAVAILABLE_CODES.has(code & 0xff);
  if (byCode || (e instanceof Error && UNAVAILABLE_MESSAGES.test(e.message))) {
    return new StoreUnavailableError(`SQLite: ${(e as Error).message}`, { cause: e });
  }
  return e;
}

/** The tail of each file's operation queue in this process. */
const fileQueues = new Map<string, Promise<unknown>>();
let memoryDatabases = 0;

/** Runs `fn` after every operation queued before it on the same file. */
function enqueue<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const run = (fileQueues.get(file) ?? Promise.resolve()).then(fn, fn);
  const tail = run.then(() => {}, () => {});
  fileQueues.set(file, tail);
  tail.then(() => {
    if (fileQueues.get(file) === tail) fileQueues.delete(file);
  });
  return run;
}

/** The embedded SQLite implementation of `Store`. */
export class SqliteStore extends SqlStore {
  /**
   * Makes a store; nothing is opened until `init`.
   * @param options the file and tuning
   */
  constructor(options: SqliteStoreOptions) {
    super(new SqliteEngine(options), "SqliteStore");
  }
}

/** The engine: one connection, the file's operation queue, history's worker. */
class SqliteEngine implements SqlEngine {
  readonly dialect = SQLITE_DIALECT;
  readonly #options: SqliteStoreOptions;
  /** The key of this file's operation queue. */
  readonly #file: string;
  #db: DatabaseSync | null = null;
  /** History reads off the event loop (null for `:memory:`, which a worker cannot share). */
  readonly #historyReader: SqliteHistoryReader | null;
  #closed = false;
  readonly #statements = new Map<string, StatementSync>();
  readonly #runner: SqlRunner = {
    all: (sql, params = []) => Promise.resolve(this.#prepare(sql).all(...params) as SqlRow[]),
    run: (sql, params = []) => Promise.resolve(Number(this.#prepare(sql).run(...params).changes)),
    runForId: (sql, params = []) =>
      Promise.resolve(Number(this.#prepare(sql).run(...params).lastInsertRowid)),
  };

  constructor(options: SqliteStoreOptions) {
    if (typeof options.path !== "string" || options.path === "") {
      throw new TypeError("SqliteStore: path is required");
    }
    this.#options = { ...options };
    this.#file = options.path === ":memory:"
      ? `:memory:${++memoryDatabases}`
      : resolve(options.path);
    const shareable = options.path !== ":memory:" && !options.path.startsWith("file:");
    this.#historyReader = shareable && options.historyOffThread !== false
      ? new SqliteHistoryReader({
        path: this.#file,
        busyTimeoutMs: Math.trunc(options.busyTimeoutMs ?? 5000),
        timeLimitMs: Math.trunc(options.busyTimeoutMs ?? 5000),
      })
      : null;
  }

  #prepare(sql: string): StatementSync {
    let s = this.#statements.get(sql);
    if (s === undefined) {
      s = this.#connection().prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  #connection(): DatabaseSync {
    if (this.#closed) throw new StoreUnavailableError("SQLite store is closed");
    if (this.#db === null) {
      throw new StoreUnavailableError("SQLite store is not initialised (init() has not succeeded)");
    }
    return this.#db;
  }

  /** Runs `fn` alone on the connection, timed, with SQLite errors mapped. */
  op<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    return enqueue(this.#file, fn).catch((e) => {
      throw mapError(e);
    }).finally(() => this.#options.observe?.(name, (performance.now() - started) / 1000));
  }

  /** Runs `fn` alone on the connection (see `op`). */
  read<T>(name: string, fn: (r: SqlRunner) => Promise<T>): Promise<T> {
    return this.op(name, () => fn(this.#runner));
  }

  /**
   * Runs `fn` alone on the connection with `synchronous = NORMAL`: its commit
   * is not flushed to disk (under WAL, the next `FULL` commit flushes it with
   * its own). Presence and figures rows were two flushes a second of an idle
   * server's CPU.
   */
  ephemeral<T>(name: string, fn: (r: SqlRunner) => Promise<T>): Promise<T> {
    return this.op(name, async () => {
      const db = this.#connection();
      db.exec("PRAGMA synchronous = NORMAL");
      try {
        return await fn(this.#runner);
      } finally {
        db.exec("PRAGMA synchronous = FULL");
      }
    });
  }

  /** Within the calling operation, which already has the connection to itself. */
  probe<T>(_name: string, fn: (r: SqlRunner) => Promise<T>): Promise<T> {
    return fn(this.#runner);
  }

  /** Runs `fn` in a transaction: `BEGIN IMMEDIATE` for writers, a read transaction otherwise. */
  async transaction<T>(kind: TransactionKind, fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const db = this.#connection();
    // Prepared once like every other statement: `exec` compiled these anew each time.
    this.#prepare(kind === "write" ? "BEGIN IMMEDIATE" : "BEGIN").run();
    try {
      const result = await fn(this.#runner);
      this.#prepare("COMMIT").run();
      return result;
    } catch (e) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw e;
    }
  }

  /** Opens the file (creating its directory), sets WAL and the pragmas, migrates. @throws {StoreUnavailableError} */
  init(): Promise<string> {
    return this.op("init", async () => {
      if (this.#closed) throw new StoreUnavailableError("SQLite store is closed");
      if (this.#db === null) {
        const path = this.#options.path;
        if (path !== ":memory:" && !path.startsWith("file:")) {
          await Deno.mkdir(dirname(path), { recursive: true });
        }
        const db = new DatabaseSync(path);
        try {
          db.exec(`PRAGMA busy_timeout = ${Math.trunc(this.#options.busyTimeoutMs ?? 5000)}`);
          db.exec("PRAGMA journal_mode = WAL");
          db.exec("PRAGMA synchronous = FULL");
          // History search folds case over all of Unicode (SQLite's lower() knows ASCII only).
          db.function(
            UNICODE_LOWER,
            { deterministic: true },
            (v) => typeof v === "string" ? v.toLowerCase() : v,
          );
        } catch (e) {
          db.close();
          throw e;
        }
        this.#db = db;
      }
      return await this.transaction("write", (tx) => migrate(tx, SQLITE_DIALECT));
    });
  }

  /** Decided responses, newest decision first. */
  history(query: HistoryQuery): Promise<ResponseRow[]> {
    const reader = this.#historyReader;
    if (reader !== null) {
      // Not on the file's queue: the worker's connection reads under WAL while others write.
      if (this.#closed) return Promise.reject(new StoreUnavailableError("SQLite store is closed"));
      const started = performance.now();
      return reader.read(query).finally(() =>
        this.#options.observe?.("history", (performance.now() - started) / 1000)
      );
    }
    return this.op("history", () => readHistory(this.#runner, SQLITE_DIALECT, query));
  }

  /** Closes the file; idempotent. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#historyReader?.close();
    return enqueue(this.#file, () => {
      this.#statements.clear();
      this.#db?.close();
      this.#db = null;
      return Promise.resolve();
    });
  }
}
