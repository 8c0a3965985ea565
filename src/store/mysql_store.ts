/**
 * `Store` on MySQL/MariaDB through a `mysql2` pool. Writing transactions run
 * at READ COMMITTED (no gap locks: appenders queue only on the response's
 * row and on `ws_meta`), are retried on deadlock or lock wait timeout, and
 * once more when the connection was lost before COMMIT was sent (nothing
 * was committed then). Idempotent reads are retried once on a lost
 * connection, so the pool recovers by itself after a restart of the server.
 * Connection-level failures surface as `StoreUnavailableError`.
 *
 * Every operation answers within `timeoutMs` (`DB_TIMEOUT_MS`): the wait for
 * a pooled connection, a new connection's handshake and each statement take
 * what is left of one budget (`mysql_deadline.ts`), retries included; a
 * connection that timed out is destroyed, never reused, so a database that
 * hung and came back is used again at once.
 * @module
 */
import { readRevocationRows, type RevocationRow, writeRevocation } from "./sql_revocations.ts";
import { delay } from "../async/deadline.ts";
import mysql from "mysql2/promise";
import type { Pool, PoolConnection } from "mysql2/promise";
import type { ResponseId, Seq } from "../protocol/types.ts";
import {
  type AppendResult,
  type ClaimRequest,
  type ClaimResult,
  type DecideResult,
  type Decision,
  type HistoryQuery,
  type NodeRow,
  type PendingBody,
  type PendingStats,
  type PresenceRow,
  type QueryObserver,
  type ReleaseRequest,
  type ReleaseResult,
  type ResponseRow,
  type Snapshot,
  type Store,
  type StoredClaim,
  type StoredEvent,
  StoreUnavailableError,
} from "./store.ts";
import {
  isAccessDenied,
  isConnectionError,
  isLockConflict,
  isQueueFull,
  isStatementTimeout,
  mapMysqlError,
} from "./mysql_errors.ts";
import { acquire, Deadline, timedRunner } from "./mysql_deadline.ts";
import { migrate } from "./schema.ts";
import { checkNodeRow, readNodeRows, writeNodeRow } from "./sql_nodes.ts";
import { announceIn, decideIn } from "./sql_log.ts";
import { claimIn, readClaimsOf, readPendingClaims, releaseIn } from "./sql_claims.ts";
import { deletePresence, readHistory, readPresenceRows, writePresence } from "./sql_history.ts";
import {
  deleteEventsBefore,
  readAnnouncement,
  readEvents,
  readHead,
  readOldest,
  readPending,
  readPendingStats,
  readResponse,
  readUnannounced,
  writePostText,
} from "./sql_queries.ts";
import type { SqlRunner } from "./sql_runner.ts";
import { MYSQL_DIALECT } from "./mysql_dialect.ts";
import type {
  AdvanceRequest,
  AdvanceResult,
  CardBuilder,
  FailureReport,
  FailureResult,
  PublicationRow,
  PublicationStats,
  PublishedReport,
  PublishedResult,
  RetryRequest,
  RetryResult,
  TakenJob,
  TakeRequest,
  UndoRequest,
  UndoResult,
} from "../publication/store_types.ts";
import { publishedIn, publishFailedIn, retryIn, undoIn } from "./sql_publication.ts";
import {
  advanceIn,
  anythingDue,
  readInFlight,
  readPublicationsOf,
  readPublicationStats,
  takeIn,
} from "./sql_publication_queue.ts";
import { checkReport, checkTake } from "./sql_publication_checks.ts";

import {
  checkClaimant,
  checkDate,
  checkDecision,
  checkLimit,
  checkRead,
  checkResponseId,
} from "./sql_values.ts";

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

/** (issue 13) Most history reads waiting for a pooled connection; more are `unavailable` at once. */
const HISTORY_QUEUE_LIMIT = 16;

/** Runs of a transaction on a lock conflict before giving up. */
const MAX_LOCK_RETRIES = 5;

const WRITE_BEGIN = ["START TRANSACTION"];
const SNAPSHOT_BEGIN = [
  "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",
  "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
];

/**
 * Init may wait this long for a statement: another process may hold the
 * migration lock while it migrates, and schema changes on a large table take
 * their time. Its connection attempts are bounded by `timeoutMs` as usual.
 */
const INIT_STATEMENT_BUDGET_MS = 120_000;

/** The MySQL/MariaDB implementation of `Store`. */
export class MysqlStore implements Store {
  /** Always `mysql`. */
  readonly dialect = "mysql" as const;
  readonly #options: MysqlStoreOptions;
  #pool: Pool | null = null;
  /** (issue 13) History reads only: a flood of searches queues here, never on `#pool`. */
  #historyPool: Pool | null = null;
  /** MariaDB (`SET STATEMENT max_statement_time`) rather than MySQL (`max_execution_time`). */
  #mariadb = true;
  #closed = false;
  #epoch: string | null = null;

  /**
   * Makes a store; nothing connects until `init`.
   * @param options connection settings and tuning
   * @throws {RangeError} when the database name is not a plain identifier
   */
  constructor(options: MysqlStoreOptions) {
    if (!/^[A-Za-z0-9_$]{1,64}$/.test(options.database)) {
      throw new RangeError(
        `MysqlStore: database '${options.database}' must be 1–64 of [A-Za-z0-9_$]`,
      );
    }
    this.#options = { ...options };
  }

  #connectionSettings() {
    const o = this.#options;
    return {
      host: o.host,
      port: o.port ?? 3306,
      user: o.user ?? "root",
      password: o.password ?? "",
      connectTimeout: o.connectTimeoutMs ?? this.#timeoutMs,
      charset: "utf8mb4_unicode_ci",
      timezone: "Z",
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: false,
    } as const;
  }

  #makePool(
    limit = this.#options.connectionLimit ?? 10,
    queueLimit = 0,
    extraSession: readonly string[] = [],
  ): Pool {
    const pool = mysql.createPool({
      ...this.#connectionSettings(),
      database: this.#options.database,
      connectionLimit: limit,
      maxIdle: limit,
      idleTimeout: 60_000,
      waitForConnections: true,
      queueLimit,
      enableKeepAlive: true,
      keepAliveInitialDelay: 10_000,
    });
    const lockWait = Math.max(1, Math.trunc(this.#options.lockWaitTimeoutSec ?? 10));
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

  #usablePool(): Pool {
    if (this.#closed) throw new StoreUnavailableError("MySQL store is closed");
    if (this.#pool === null) {
      throw new StoreUnavailableError("MySQL store is not initialised (init() has not succeeded)");
    }
    return this.#pool;
  }

  get #timeoutMs(): number {
    return this.#options.timeoutMs ?? 5000;
  }

  /** Times an operation and maps connection failures. */
  async #op<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await fn();
    } catch (e) {
      throw mapMysqlError(e, name);
    } finally {
      this.#options.observe?.(name, (performance.now() - started) / 1000);
    }
  }

  /** An idempotent read on a pooled connection, retried once on a lost connection while time is left. */
  #read<T>(name: string, fn: (r: SqlRunner) => Promise<T>): Promise<T> {
    return this.#op(name, async () => {
      const deadline = new Deadline(this.#timeoutMs);
      try {
        return await this.#onConnection(deadline, fn);
      } catch (e) {
        if (!isConnectionError(e) || this.#closed || deadline.expired) throw e;
      }
      return await this.#onConnection(deadline, fn);
    });
  }

  /** Runs `fn` on one pooled connection within `deadline`; a connection that failed is destroyed. */
  async #onConnection<T>(
    deadline: Deadline,
    fn: (r: SqlRunner) => Promise<T>,
    pool: Pool = this.#usablePool(),
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
  async #transaction<T>(begin: readonly string[], fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const deadline = new Deadline(this.#timeoutMs);
    let lockRetries = 0;
    let connectionRetries = 0;
    for (;;) {
      let conn: PoolConnection | null = null;
      let committing = false;
      try {
        conn = await acquire(this.#usablePool(), deadline);
        const tx = timedRunner(conn, deadline);
        for (const sql of begin) await tx.run(sql);
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

  async #discard(conn: PoolConnection, lost: boolean): Promise<void> {
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
  init(): Promise<void> {
    return this.#op("init", async () => {
      if (this.#closed) throw new StoreUnavailableError("MySQL store is closed");
      // The handshake is bounded by connectTimeout, each statement by the init budget.
      const admin = await mysql.createConnection(this.#connectionSettings());
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
      this.#pool ??= this.#makePool();
      this.#historyPool ??= this.#makeHistoryPool();
      const conn = await acquire(this.#pool, new Deadline(this.#timeoutMs));
      const lockName = `ws_migrate:${this.#options.database}`.slice(0, 64);
      try {
        const tx = timedRunner(conn, new Deadline(INIT_STATEMENT_BUDGET_MS + this.#timeoutMs));
        const [got] = await tx.all("SELECT GET_LOCK(?, 60) AS got", [lockName]);
        if (Number(got?.got) !== 1) throw new Error("timed out waiting for the migration lock");
        try {
          this.#epoch = await migrate(tx, MYSQL_DIALECT);
          const [version] = await tx.all("SELECT VERSION() AS v");
          this.#mariadb = /mariadb/i.test(String(version?.v ?? ""));
        } finally {
          await tx.all("SELECT RELEASE_LOCK(?)", [lockName]);
        }
        conn.release();
      } catch (e) {
        conn.destroy();
        throw e;
      }
    });
  }

  /** The log's epoch. @throws {Error} before `init` */
  epoch(): string {
    if (this.#epoch === null) throw new Error("MysqlStore: init() was not called");
    return this.#epoch;
  }

  /** Answers when MySQL does. @throws {StoreUnavailableError} */
  ping(): Promise<void> {
    return this.#read("ping", async (r) => {
      await r.all("SELECT 1 AS ok");
    });
  }

  /** Reads one response row, or `null`. */
  getResponse(id: ResponseId): Promise<ResponseRow | null> {
    return this.#read("get_response", (r) => {
      checkResponseId(id);
      return readResponse(r, id);
    });
  }

  /** Stores post text where the row has none yet (idempotent, so retried like a read). */
  setPostText(id: ResponseId, text: string): Promise<void> {
    return this.#read("set_post_text", (r) => {
      checkResponseId(id);
      if (typeof text !== "string") throw new TypeError("text must be a string");
      return writePostText(r, id, text);
    });
  }

  /** The `seq` of a response's pending event, or `null`. */
  findAnnouncement(id: ResponseId): Promise<Seq | null> {
    return this.#read("find_announcement", (r) => {
      checkResponseId(id);
      return readAnnouncement(r, id);
    });
  }

  /** Pending responses never announced, oldest first (see `Store.unannounced`). */
  unannounced(limit: number): Promise<ResponseId[]> {
    return this.#read("unannounced", (r) => readUnannounced(r, checkLimit(limit)));
  }

  /** The pending rows' figures (see `Store.pendingStats`). */
  pendingStats(overdueBefore: Date): Promise<PendingStats> {
    return this.#read("pending_stats", (r) => {
      checkDate(overdueBefore, "overdueBefore");
      return readPendingStats(r, overdueBefore);
    });
  }

  /** Appends a response's pending event (see `Store.announce`). */
  announce(id: ResponseId, build: (row: ResponseRow) => PendingBody): Promise<AppendResult> {
    return this.#op("announce", () => {
      checkResponseId(id);
      return this.#transaction(
        WRITE_BEGIN,
        (tx) => announceIn(tx, MYSQL_DIALECT, id, build),
      );
    });
  }

  /** Records a decision and its event (see `Store.decide`). */
  decide(decision: Decision): Promise<DecideResult> {
    return this.#op("decide", () => {
      checkDecision(decision);
      return this.#transaction(
        WRITE_BEGIN,
        (tx) => decideIn(tx, MYSQL_DIALECT, decision),
      );
    });
  }

  /** Takes or renews a claim and appends its event (see `Store.claim`). */
  claim(request: ClaimRequest): Promise<ClaimResult> {
    return this.#op("claim", () => {
      checkClaimant(request);
      return this.#transaction(WRITE_BEGIN, (tx) => claimIn(tx, MYSQL_DIALECT, request));
    });
  }

  /** Ends a claim and appends its event (see `Store.release`). */
  release(request: ReleaseRequest): Promise<ReleaseResult> {
    return this.#op("release", () => {
      checkClaimant(request);
      return this.#transaction(WRITE_BEGIN, (tx) => releaseIn(tx, MYSQL_DIALECT, request));
    });
  }

  /** The stored claims on some responses. */
  claimsOf(ids: readonly ResponseId[]): Promise<StoredClaim[]> {
    return this.#read("claims_of", (r) => {
      ids.forEach(checkResponseId);
      return readClaimsOf(r, ids);
    });
  }

  /** Upserts a process's presence row (idempotent, so retried like a read). */
  putPresence(row: PresenceRow): Promise<void> {
    return this.#read("put_presence", (r) => writePresence(r, MYSQL_DIALECT, row));
  }

  /** The presence rows with a heartbeat at or after `since`. */
  readPresence(since: Date): Promise<PresenceRow[]> {
    return this.#read("read_presence", (r) => readPresenceRows(r, since));
  }

  /** Deletes stale presence rows and, given, one process's row. */
  prunePresence(before: Date, processId?: string): Promise<number> {
    return this.#read("prune_presence", (r) => deletePresence(r, before, processId));
  }

  /** Revokes a user's earlier tokens (see `Store.revoke`; idempotent, so retried like a read). */
  revoke(user: string, at: Date): Promise<Date> {
    return this.#read("revoke", (r) => writeRevocation(r, MYSQL_DIALECT, user, at));
  }

  /** The revocations at or after `since`. */
  readRevocations(since: Date | null): Promise<RevocationRow[]> {
    return this.#read("read_revocations", (r) => readRevocationRows(r, since));
  }

  /**
   * (issue 13, row H5) The history pool: few connections, a short queue,
   * and (for MySQL, which has no per-statement form) a session limit on
   * each statement's run time.
   */
  #makeHistoryPool(): Pool {
    const limit = Math.max(1, this.#options.historyConnectionLimit ?? 2);
    return this.#makePool(limit, HISTORY_QUEUE_LIMIT, [
      `SET SESSION max_execution_time = ${Math.max(1, Math.trunc(this.#timeoutMs))}`,
    ]);
  }

  /**
   * Decided responses, newest decision first, on the history pool, the
   * statement limited to `timeoutMs` by the database itself (so a search
   * the client gave up on does not keep running there).
   * @throws {StoreUnavailableError} when the pool is busy, or the search passes the limit
   */
  history(query: HistoryQuery): Promise<ResponseRow[]> {
    return this.#op("history", async () => {
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

  /** The log's head. */
  head(): Promise<Seq> {
    return this.#read("head", readHead);
  }

  /** Events after `after`, ascending, at most `limit`. @throws {RangeError} on bad arguments */
  readSince(after: Seq, limit: number): Promise<StoredEvent[]> {
    return this.#read("read_since", (r) => {
      checkRead(after, limit);
      return readEvents(r, after, limit);
    });
  }

  /** The smallest `seq` in the log, or `null`. */
  oldestSeq(): Promise<Seq | null> {
    return this.#read("oldest_seq", readOldest);
  }

  /** The pending rows and the head they reflect, from one consistent snapshot. */
  snapshot(): Promise<Snapshot> {
    return this.#op("snapshot", () =>
      this.#transaction(SNAPSHOT_BEGIN, async (tx) => {
        const seq = await readHead(tx);
        return {
          seq,
          rows: await readPending(tx),
          claims: await readPendingClaims(tx),
          inFlight: await readInFlight(tx),
        };
      }));
  }

  /** Deletes events created before `before`; returns how many. @throws {TypeError} on a bad date */
  prune(before: Date): Promise<number> {
    return this.#read("prune", (r) => {
      checkDate(before, "before");
      return deleteEventsBefore(r, before);
    });
  }

  /** Writes this process's figures row (idempotent, so retried like a read). */
  writeNode(row: NodeRow, forgetBefore?: number): Promise<void> {
    return this.#read("write_node", (r) => {
      checkNodeRow(row);
      return writeNodeRow(r, "mysql", row, forgetBefore);
    });
  }

  /** The figures rows updated at or after `since`. */
  readNodes(since: number): Promise<NodeRow[]> {
    return this.#read("read_nodes", (r) => readNodeRows(r, since));
  }

  /** `UNDO` (see `PublicationStore.undo`). */
  undo(request: UndoRequest, card: CardBuilder): Promise<UndoResult> {
    return this.#op("undo", () => {
      checkClaimant(request);
      return this.#transaction(WRITE_BEGIN, (tx) => undoIn(tx, MYSQL_DIALECT, request, card));
    });
  }

  /** `TAKE` (see `PublicationStore.take`). */
  take(request: TakeRequest): Promise<TakenJob[]> {
    return this.#op("take", async () => {
      checkTake(request);
      if (!(await this.#read("take_probe", (r) => anythingDue(r, request.at, "take")))) return [];
      return this.#transaction(WRITE_BEGIN, (tx) => takeIn(tx, MYSQL_DIALECT, request));
    });
  }

  /** `PUBLISHED` (see `PublicationStore.published`). */
  published(report: PublishedReport): Promise<PublishedResult> {
    return this.#op("published", () => {
      checkReport(report);
      return this.#transaction(WRITE_BEGIN, (tx) => publishedIn(tx, MYSQL_DIALECT, report));
    });
  }

  /** `PUBLISH_FAILED` (see `PublicationStore.publishFailed`). */
  publishFailed(report: FailureReport): Promise<FailureResult> {
    return this.#op("publish_failed", () => {
      checkReport(report);
      return this.#transaction(WRITE_BEGIN, (tx) => publishFailedIn(tx, MYSQL_DIALECT, report));
    });
  }

  /** `RETRY` (see `PublicationStore.retry`). */
  retry(request: RetryRequest): Promise<RetryResult> {
    return this.#op("retry", () => {
      checkClaimant(request);
      return this.#transaction(WRITE_BEGIN, (tx) => retryIn(tx, MYSQL_DIALECT, request));
    });
  }

  /** The scheduler's step (see `PublicationStore.advancePublications`). */
  advancePublications(request: AdvanceRequest): Promise<AdvanceResult> {
    return this.#op("advance_publications", async () => {
      checkDate(request.at, "at");
      const due = await this.#read("advance_probe", (r) => anythingDue(r, request.at, "advance"));
      if (!due) return { events: [], lapsed: 0, settled: 0 };
      return this.#transaction(WRITE_BEGIN, (tx) => advanceIn(tx, MYSQL_DIALECT, request));
    });
  }

  /** The publication rows of some responses. */
  publicationsOf(ids: readonly ResponseId[]): Promise<PublicationRow[]> {
    return this.#read("publications_of", (r) => {
      ids.forEach(checkResponseId);
      return readPublicationsOf(r, ids);
    });
  }

  /** The queue's figures. */
  publicationStats(): Promise<PublicationStats> {
    return this.#read("publication_stats", readPublicationStats);
  }

  /** Closes the pool; idempotent. */
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
