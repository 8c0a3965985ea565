/**
 * `Store` on MySQL/MariaDB through a `mysql2` pool: `SqlStore` over the
 * engine below. Writing transactions run at READ COMMITTED (no gap locks:
 * appenders queue only on the response's row and on `ws_meta`), are retried
 * on deadlock or lock wait timeout, and once more when the connection was
 * lost before COMMIT was sent (nothing was committed then). Idempotent reads
 * are retried once on a lost connection, so the pool recovers by itself
 * after a restart of the server. Connection-level failures surface as
 * `StoreUnavailableError`.
 *
 * Every operation answers within `timeoutMs` (`DB_TIMEOUT_MS`): the wait for
 * a pooled connection, a new connection's handshake and each statement take
 * what is left of one budget (`mysql_deadline.ts`), retries included; a
 * connection that timed out is destroyed, never reused, so a database that
 * hung and came back is used again at once.
 * @module
 */
import { delay } from "../async/deadline.ts";
import mysql from "mysql2/promise";
import type { HistoryQuery } from "./history_store.ts";
import type { ResponseRow } from "./rows.ts";
import { StoreUnavailableError } from "./store.ts";
import {
  isAccessDenied,
  isConnectionError,
  isLockConflict,
  isQueueFull,
  isStatementTimeout,
  mapMysqlError,
} from "./mysql_errors.ts";
import { acquire, Deadline, timedRunner } from "./mysql_deadline.ts";
import {
  connectionSettings,
  makeHistoryPool,
  makePool,
  type MysqlStoreOptions,
  type PooledConnection,
  type StorePool,
  timeoutOf,
} from "./mysql_pool.ts";
import { migrate } from "./schema.ts";
import { readHistory } from "./sql_history.ts";
import type { SqlEngine, TransactionKind } from "./sql_engine.ts";
import type { SqlRunner } from "./sql_runner.ts";
import { SqlStore } from "./sql_store.ts";
import { MYSQL_DIALECT } from "./mysql_dialect.ts";

export type { MysqlStoreOptions } from "./mysql_pool.ts";

/** Runs of a transaction on a lock conflict before giving up. */
const MAX_LOCK_RETRIES = 5;

const BEGIN: Readonly<Record<TransactionKind, readonly string[]>> = {
  write: ["START TRANSACTION"],
  snapshot: [
    "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",
    "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
  ],
};

/**
 * Init may wait this long for a statement: another process may hold the
 * migration lock while it migrates, and schema changes on a large table take
 * their time. Its connection attempts are bounded by `timeoutMs` as usual.
 */
const INIT_STATEMENT_BUDGET_MS = 120_000;

/** The MySQL/MariaDB implementation of `Store`. */
export class MysqlStore extends SqlStore {
  /**
   * Makes a store; nothing connects until `init`.
   * @param options connection settings and tuning
   * @throws {RangeError} when the database name is not a plain identifier
   */
  constructor(options: MysqlStoreOptions) {
    super(new MysqlEngine(options), "MysqlStore");
  }
}

/** The engine: pools, deadlines, retries, MySQL's errors, history's own pool. */
class MysqlEngine implements SqlEngine {
  readonly dialect = MYSQL_DIALECT;
  readonly #options: MysqlStoreOptions;
  #pool: StorePool | null = null;
  /** (issue 13) History reads only: a flood of searches queues here, never on `#pool`. */
  #historyPool: StorePool | null = null;
  /** MariaDB (`SET STATEMENT max_statement_time`) rather than MySQL (`max_execution_time`). */
  #mariadb = true;
  #closed = false;

  constructor(options: MysqlStoreOptions) {
    if (!/^[A-Za-z0-9_$]{1,64}$/.test(options.database)) {
      throw new RangeError(
        `MysqlStore: database '${options.database}' must be 1–64 of [A-Za-z0-9_$]`,
      );
    }
    this.#options = { ...options };
  }

  #usablePool(): StorePool {
    if (this.#closed) throw new StoreUnavailableError("MySQL store is closed");
    if (this.#pool === null) {
      throw new StoreUnavailableError("MySQL store is not initialised (init() has not succeeded)");
    }
    return this.#pool;
  }

  get #timeoutMs(): number {
    return timeoutOf(this.#options);
  }

  /** Times an operation and maps connection failures. */
  async op<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await fn();
    } catch (e) {
      throw mapMysqlError(e, name);
    } finally {
      this.#options.observe?.(name, (performance.now() - started) / 1000);
    }
  }

  /** As `read`: InnoDB's flushing is the server's setting, not a session's. */
  ephemeral<T>(name: string, fn: (r: SqlRunner) => Promise<T>): Promise<T> {
    return this.read(name, fn);
  }

  /** An idempotent read on a pooled connection, retried once on a lost connection while time is left. */
  read<T>(name: string, fn: (r: SqlRunner) => Promise<T>): Promise<T> {
    return this.op(name, async () => {
      const deadline = new Deadline(this.#timeoutMs);
      try {
        return await this.#onConnection(deadline, fn);
      } catch (e) {
        if (!isConnectionError(e) || this.#closed || deadline.expired) throw e;
      }
      return await this.#onConnection(deadline, fn);
    });
  }

  /** A read of its own (timed, retried) within the calling operation. */
  probe<T>(name: string, fn: (r: SqlRunner) => Promise<T>): Promise<T> {
    return this.read(name, fn);
  }

  /** Runs `fn` on one pooled connection within `deadline`; a connection that failed is destroyed. */
  async #onConnection<T>(
    deadline: Deadline,
    fn: (r: SqlRunner) => Promise<T>,
    pool: StorePool = this.#usablePool(),
  ): Promise<T> {
    const conn = await acquire(pool, deadline);
    try {
      const result = await fn(timedRunner(conn, deadline));
      conn.release();
      return result;
    } catch (e) {
      if (isConnectionError(e)) conn.destroy();
      else conn.release();
      throw e;
    }
  }

  /** Runs `fn` in one transaction on one connection, with the retries described above. */
  async transaction<T>(kind: TransactionKind, fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const deadline = new Deadline(this.#timeoutMs);
    let lockRetries = 0;
    let connectionRetries = 0;
    for (;;) {
      let conn: PooledConnection | null = null;
      let committing = false;
      try {
        conn = await acquire(this.#usablePool(), deadline);
        const tx = timedRunner(conn, deadline);
        for (const sql of BEGIN[kind]) await tx.run(sql);
        const result = await fn(tx);
        committing = true;
        await tx.run("COMMIT");
        conn.release();
        return result;
      } catch (e) {
        if (conn !== null) await this.#discard(conn, isConnectionError(e));
        if (deadline.expired) throw e;
        if (isLockConflict(e) && lockRetries < MAX_LOCK_RETRIES) {
          lockRetries++;
          await delay(Math.min(deadline.remaining(), Math.random() * 10 * 2 ** lockRetries));
          continue;
        }
        // A connection lost before COMMIT was sent committed nothing: run again once.
        if (isConnectionError(e) && !committing && connectionRetries < 1 && !this.#closed) {
          connectionRetries++;
          continue;
        }
        throw e;
      }
    }
  }

  async #discard(conn: PooledConnection, lost: boolean): Promise<void> {
    if (!lost) {
      try {
        await timedRunner(conn, new Deadline(this.#timeoutMs)).run("ROLLBACK");
        conn.release();
        return;
      } catch {
        // fall through: a connection that cannot roll back is not reused
      }
    }
    conn.destroy();
  }

  /**
   * Creates the database if missing (a refusal for lack of privilege is
   * ignored: the database may exist), then the tables, under a named lock.
   * @throws {StoreUnavailableError} when MySQL does not answer
   */
  init(): Promise<string> {
    return this.op("init", async () => {
      if (this.#closed) throw new StoreUnavailableError("MySQL store is closed");
      // The handshake is bounded by connectTimeout, each statement by the init budget.
      const admin = await mysql.createConnection(connectionSettings(this.#options));
      try {
        await timedRunner(admin, new Deadline(this.#timeoutMs)).run(
          `CREATE DATABASE IF NOT EXISTS \`${this.#options.database}\` ` +
            "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
        );
      } catch (e) {
        if (!isAccessDenied(e)) throw e;
      } finally {
        await new Deadline(this.#timeoutMs).race(admin.end(), "closing").catch(() =>
          admin.destroy()
        );
      }
      this.#pool ??= makePool(this.#options);
      this.#historyPool ??= makeHistoryPool(this.#options);
      const conn = await acquire(this.#pool, new Deadline(this.#timeoutMs));
      const lockName = `ws_migrate:${this.#options.database}`.slice(0, 64);
      try {
        const tx = timedRunner(conn, new Deadline(INIT_STATEMENT_BUDGET_MS + this.#timeoutMs));
        const [got] = await tx.all("SELECT GET_LOCK(?, 60) AS got", [lockName]);
        if (Number(got?.got) !== 1) throw new Error("timed out waiting for the migration lock");
        let epoch: string;
        try {
          epoch = await migrate(tx, MYSQL_DIALECT);
          const [version] = await tx.all("SELECT VERSION() AS v");
          this.#mariadb = /mariadb/i.test(String(version?.v ?? ""));
        } finally {
          await tx.all("SELECT RELEASE_LOCK(?)", [lockName]);
        }
        conn.release();
        return epoch;
      } catch (e) {
        conn.destroy();
        throw e;
      }
    });
  }

  /**
   * Decided responses, newest decision first, on the history pool, the
   * statement limited to `timeoutMs` by the database itself (so a search
   * the client gave up on does not keep running there).
   * @throws {StoreUnavailableError} when the pool is busy, or the search passes the limit
   */
  history(query: HistoryQuery): Promise<ResponseRow[]> {
    return this.op("history", async () => {
      if (this.#closed) throw new StoreUnavailableError("MySQL store is closed");
      const pool = this.#historyPool;
      if (pool === null) {
        throw new StoreUnavailableError(
          "MySQL store is not initialised (init() has not succeeded)",
        );
      }
      const seconds = (this.#timeoutMs / 1000).toFixed(3);
      const prefix = this.#mariadb ? `SET STATEMENT max_statement_time = ${seconds} FOR ` : "";
      try {
        return await this.#onConnection(
          new Deadline(this.#timeoutMs),
          (r) => readHistory(r, MYSQL_DIALECT, query, prefix),
          pool,
        );
      } catch (e) {
        if (isStatementTimeout(e) || isQueueFull(e)) {
          throw new StoreUnavailableError(
            `MySQL history: ${(e as Error).message} (DB_TIMEOUT_MS)`,
            { cause: e },
          );
        }
        throw e;
      }
    });
  }

  /** Closes the pools; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const pools = [this.#pool, this.#historyPool];
    this.#pool = null;
    this.#historyPool = null;
    // A hung server never answers COM_QUIT: give up after the budget.
    for (const pool of pools) {
      if (pool) await new Deadline(this.#timeoutMs).race(pool.end(), "closing").catch(() => {});
    }
  }
}
