/**
 * The MySQL/MariaDB connections of the store: the settings every connection
 * shares, and the pools (the main one, and history's own), each new
 * connection's session set up before any statement of ours.
 * @module
 */
import mysql from "mysql2/promise";
import type { Queryable } from "./mysql_dialect.ts";
import type { QueryObserver } from "./store.ts";

/** Options of `MysqlStore`. */
export interface MysqlStoreOptions {
  /** The MariaDB host (`MYSQL_HOST`). */
  readonly host: string;
  /** Default 3306. */
  readonly port?: number;
  /** Default `root`. */
  readonly user?: string;
  /** Default empty. */
  readonly password?: string;
  /** Created if missing (when the user may); `[A-Za-z0-9_$]{1,64}`. */
  readonly database: string;
  /** Most pooled connections; default 10. */
  readonly connectionLimit?: number;
  /** Longest wait for one operation, its connection and retries included (ms); default 5000 (`DB_TIMEOUT_MS`). */
  readonly timeoutMs?: number;
  /** Time to establish a connection (ms); default `timeoutMs`. */
  readonly connectTimeoutMs?: number;
  /** `innodb_lock_wait_timeout` of the store's sessions (s); default 10. */
  readonly lockWaitTimeoutSec?: number;
  /** Called with each operation's name and duration in seconds. */
  readonly observe?: QueryObserver;
  /**
   * (issue 13) Connections of the history pool, apart from the main pool so
   * searches never take a connection that `SR`, decisions or `/readyz`
   * need; default 2.
   */
  readonly historyConnectionLimit?: number;
}

/**
 * A pooled connection as the store uses it (mysql2's fits; declared here so
 * the store's exports name no type of the driver).
 */
export interface PooledConnection extends Queryable {
  /** Gives the connection back to its pool. */
  release(): void;
  /** Closes the connection and drops it from its pool. */
  destroy(): void;
}

/** A pool as the store uses it (mysql2's fits). */
export interface StorePool {
  /** Waits for a connection (a new one's handshake included). */
  getConnection(): Promise<PooledConnection>;
  /** Closes every connection. */
  end(): Promise<void>;
}

/** What every connection of the store shares, in `mysql2`'s terms. */
export interface ConnectionSettings {
  /** The server's host. */
  readonly host: string;
  /** The server's port. */
  readonly port: number;
  /** The user. */
  readonly user: string;
  /** The user's password. */
  readonly password: string;
  /** Time to establish a connection (ms). */
  readonly connectTimeout: number;
  /** The connection's collation. */
  readonly charset: string;
  /** How dates are read and written: UTC. */
  readonly timezone: string;
  /** Dates as strings (converted by `sql_values.ts`). */
  readonly dateStrings: boolean;
  /** Big numbers kept exact. */
  readonly supportBigNumbers: boolean;
  /** …as numbers while they fit. */
  readonly bigNumberStrings: boolean;
}

/** (issue 13) Most history reads waiting for a pooled connection; more are `unavailable` at once. */
const HISTORY_QUEUE_LIMIT = 16;

/** The longest wait of one operation (ms): `timeoutMs`, default 5000. */
export function timeoutOf(options: MysqlStoreOptions): number {
  return options.timeoutMs ?? 5000;
}

/**
 * What every connection of the store shares (no database: `init` may have
 * to create it first).
 * @param o the store's options
 * @returns `mysql2`'s connection options
 */
export function connectionSettings(o: MysqlStoreOptions): ConnectionSettings {
  return {
    host: o.host,
    port: o.port ?? 3306,
    user: o.user ?? "root",
    password: o.password ?? "",
    connectTimeout: o.connectTimeoutMs ?? timeoutOf(o),
    charset: "utf8mb4_unicode_ci",
    timezone: "Z",
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: false,
  };
}

/**
 * A pool on the store's database, each new connection's session set to READ
 * COMMITTED, the lock wait timeout, UTC and the optimizer switch below.
 * @param o the store's options
 * @param limit most connections; default `connectionLimit` (10)
 * @param queueLimit most waiters for a connection; 0: no limit
 * @param extraSession more session statements
 * @returns the pool
 */
export function makePool(
  o: MysqlStoreOptions,
  limit = o.connectionLimit ?? 10,
  queueLimit = 0,
  extraSession: readonly string[] = [],
): StorePool {
  const pool = mysql.createPool({
    ...connectionSettings(o),
    database: o.database,
    connectionLimit: limit,
    maxIdle: limit,
    idleTimeout: 60_000,
    waitForConnections: true,
    queueLimit,
    enableKeepAlive: true,
    keepAliveInitialDelay: 10_000,
  });
  const lockWait = Math.max(1, Math.trunc(o.lockWaitTimeoutSec ?? 10));
  const session = [
    "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
    `SET SESSION innodb_lock_wait_timeout = ${lockWait}, time_zone = '+00:00'`,
    // `UPDATE responses … WHERE id = ? AND status = 'pending'` may otherwise be
    // planned as an intersection of PRIMARY and the status index, which locks
    // status-index records of other rows and deadlocks racing decisions.
    "SET SESSION optimizer_switch = 'index_merge_intersection=off'",
    ...extraSession,
  ];
  // Queued on each new connection before any statement of ours. Should one
  // fail, the session keeps the server's defaults (REPEATABLE READ is
  // correct too, only with more gap locks) and the connection stays usable.
  pool.on("connection", (conn) => {
    const core = conn as unknown as { query(sql: string, cb: (e: unknown) => void): void };
    for (const sql of session) core.query(sql, () => {});
  });
  return pool;
}

/**
 * (issue 13, row H5) The history pool: few connections, a short queue,
 * and (for MySQL, which has no per-statement form) a session limit on
 * each statement's run time.
 * @param o the store's options
 * @returns the pool
 */
export function makeHistoryPool(o: MysqlStoreOptions): StorePool {
  const limit = Math.max(1, o.historyConnectionLimit ?? 2);
  return makePool(o, limit, HISTORY_QUEUE_LIMIT, [
    `SET SESSION max_execution_time = ${Math.max(1, Math.trunc(timeoutOf(o)))}`,
  ]);
}
