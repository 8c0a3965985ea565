/**
 * `Store` on the embedded SQLite (`node:sqlite`): WAL, `synchronous=FULL`,
 * a busy timeout, and `BEGIN IMMEDIATE` for every writing transaction, so
 * several processes may share one file. Within a process, operations on one
 * file run one at a time (a promise queue per file, shared by every store on
 * it): the driver is synchronous, so a second connection's `BEGIN IMMEDIATE`
 * would otherwise block the thread that must finish the first transaction,
 * and no read sees another operation's open transaction.
 * @module
 */
import { readRevocationRows, type RevocationRow, writeRevocation } from "./sql_revocations.ts";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { dirname, resolve } from "node:path";
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
import { migrate } from "./schema.ts";
import { checkNodeRow, readNodeRows, writeNodeRow } from "./sql_nodes.ts";
import { announceIn, decideIn } from "./sql_log.ts";
import { claimIn, readClaimsOf, readPendingClaims, releaseIn } from "./sql_claims.ts";
import { deletePresence, readHistory, readPresenceRows, writePresence } from "./sql_history.ts";
import { UNICODE_LOWER } from "./sql_search.ts";
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
import { SQLITE_DIALECT } from "./sqlite_dialect.ts";
import { SqliteHistoryReader } from "./sqlite_history_reader.ts";
import type { SqlRunner } from "./sql_runner.ts";
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
  type SqlRow,
} from "./sql_values.ts";

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
export class SqliteStore implements Store {
  /** Always `sqlite`. */
  readonly dialect = "sqlite" as const;
  readonly #options: SqliteStoreOptions;
  /** The key of this file's operation queue. */
  readonly #file: string;
  #db: DatabaseSync | null = null;
  /** History reads off the event loop (null for `:memory:`, which a worker cannot share). */
  readonly #historyReader: SqliteHistoryReader | null;
  #closed = false;
  #epoch: string | null = null;
  readonly #statements = new Map<string, StatementSync>();
  readonly #runner: SqlRunner = {
    all: (sql, params = []) => Promise.resolve(this.#prepare(sql).all(...params) as SqlRow[]),
    run: (sql, params = []) => Promise.resolve(Number(this.#prepare(sql).run(...params).changes)),
    runForId: (sql, params = []) =>
      Promise.resolve(Number(this.#prepare(sql).run(...params).lastInsertRowid)),
  };

  /**
   * Makes a store; nothing is opened until `init`.
   * @param options the file and tuning
   */
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
  #op<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    return enqueue(this.#file, fn).catch((e) => {
      throw mapError(e);
    }).finally(() => this.#options.observe?.(name, (performance.now() - started) / 1000));
  }

  /** Runs `fn` in a transaction: `BEGIN IMMEDIATE` for writers, a read transaction otherwise. */
  async #transaction<T>(write: boolean, fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const db = this.#connection();
    db.exec(write ? "BEGIN IMMEDIATE" : "BEGIN");
    try {
      const result = await fn(this.#runner);
      db.exec("COMMIT");
      return result;
    } catch (e) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw e;
    }
  }

  /** Opens the file (creating its directory), sets WAL and the pragmas, migrates. @throws {StoreUnavailableError} */
  init(): Promise<void> {
    return this.#op("init", async () => {
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
      this.#epoch = await this.#transaction(true, (tx) => migrate(tx, SQLITE_DIALECT));
    });
  }

  /** The log's epoch. @throws {Error} before `init` */
  epoch(): string {
    if (this.#epoch === null) throw new Error("SqliteStore: init() was not called");
    return this.#epoch;
  }

  /** Answers when the file can be read. @throws {StoreUnavailableError} */
  ping(): Promise<void> {
    return this.#op("ping", async () => {
      await this.#runner.all("SELECT 1 AS ok");
    });
  }

  /** Reads one response row, or `null`. */
  getResponse(id: ResponseId): Promise<ResponseRow | null> {
    return this.#op("get_response", () => {
      checkResponseId(id);
      return readResponse(this.#runner, id);
    });
  }

  /** Stores post text where the row has none yet. */
  setPostText(id: ResponseId, text: string): Promise<void> {
    return this.#op("set_post_text", () => {
      checkResponseId(id);
      if (typeof text !== "string") throw new TypeError("text must be a string");
      return writePostText(this.#runner, id, text);
    });
  }

  /** The `seq` of a response's pending event, or `null`. */
  findAnnouncement(id: ResponseId): Promise<Seq | null> {
    return this.#op("find_announcement", () => {
      checkResponseId(id);
      return readAnnouncement(this.#runner, id);
    });
  }

  /** Pending responses never announced, oldest first (see `Store.unannounced`). */
  unannounced(limit: number): Promise<ResponseId[]> {
    return this.#op("unannounced", () => readUnannounced(this.#runner, checkLimit(limit)));
  }

  /** The pending rows' figures (see `Store.pendingStats`). */
  pendingStats(overdueBefore: Date): Promise<PendingStats> {
    return this.#op("pending_stats", () => {
      checkDate(overdueBefore, "overdueBefore");
      return readPendingStats(this.#runner, overdueBefore);
    });
  }

  /** Appends a response's pending event (see `Store.announce`). */
  announce(id: ResponseId, build: (row: ResponseRow) => PendingBody): Promise<AppendResult> {
    return this.#op("announce", () => {
      checkResponseId(id);
      return this.#transaction(true, (tx) => announceIn(tx, SQLITE_DIALECT, id, build));
    });
  }

  /** Records a decision and its event (see `Store.decide`). */
  decide(decision: Decision): Promise<DecideResult> {
    return this.#op("decide", () => {
      checkDecision(decision);
      return this.#transaction(true, (tx) => decideIn(tx, SQLITE_DIALECT, decision));
    });
  }

  /** Takes or renews a claim and appends its event (see `Store.claim`). */
  claim(request: ClaimRequest): Promise<ClaimResult> {
    return this.#op("claim", () => {
      checkClaimant(request);
      return this.#transaction(true, (tx) => claimIn(tx, SQLITE_DIALECT, request));
    });
  }

  /** Ends a claim and appends its event (see `Store.release`). */
  release(request: ReleaseRequest): Promise<ReleaseResult> {
    return this.#op("release", () => {
      checkClaimant(request);
      return this.#transaction(true, (tx) => releaseIn(tx, SQLITE_DIALECT, request));
    });
  }

  /** The stored claims on some responses. */
  claimsOf(ids: readonly ResponseId[]): Promise<StoredClaim[]> {
    return this.#op("claims_of", () => {
      ids.forEach(checkResponseId);
      return readClaimsOf(this.#runner, ids);
    });
  }

  /** Upserts a process's presence row (idempotent, so retried like a read). */
  putPresence(row: PresenceRow): Promise<void> {
    return this.#op("put_presence", () => writePresence(this.#runner, SQLITE_DIALECT, row));
  }

  /** The presence rows with a heartbeat at or after `since`. */
  readPresence(since: Date): Promise<PresenceRow[]> {
    return this.#op("read_presence", () => readPresenceRows(this.#runner, since));
  }

  /** Deletes stale presence rows and, given, one process's row. */
  prunePresence(before: Date, processId?: string): Promise<number> {
    return this.#op("prune_presence", () => deletePresence(this.#runner, before, processId));
  }

  /** Revokes a user's earlier tokens (see `Store.revoke`). */
  revoke(user: string, at: Date): Promise<Date> {
    return this.#op("revoke", () => writeRevocation(this.#runner, SQLITE_DIALECT, user, at));
  }

  /** The revocations at or after `since`. */
  readRevocations(since: Date | null): Promise<RevocationRow[]> {
    return this.#op("read_revocations", () => readRevocationRows(this.#runner, since));
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
    return this.#op("history", () => readHistory(this.#runner, SQLITE_DIALECT, query));
  }

  /** The log's head. */
  head(): Promise<Seq> {
    return this.#op("head", () => readHead(this.#runner));
  }

  /** Events after `after`, ascending, at most `limit`. @throws {RangeError} on bad arguments */
  readSince(after: Seq, limit: number): Promise<StoredEvent[]> {
    return this.#op("read_since", () => {
      checkRead(after, limit);
      return readEvents(this.#runner, after, limit);
    });
  }

  /** The smallest `seq` in the log, or `null`. */
  oldestSeq(): Promise<Seq | null> {
    return this.#op("oldest_seq", () => readOldest(this.#runner));
  }

  /** The pending rows and the head they reflect, from one read transaction. */
  snapshot(): Promise<Snapshot> {
    return this.#op("snapshot", () =>
      this.#transaction(false, async (tx) => {
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
    return this.#op("prune", () => {
      checkDate(before, "before");
      return deleteEventsBefore(this.#runner, before);
    });
  }

  /** Writes this process's figures row. */
  writeNode(row: NodeRow, forgetBefore?: number): Promise<void> {
    return this.#op("write_node", () => {
      checkNodeRow(row);
      return writeNodeRow(this.#runner, "sqlite", row, forgetBefore);
    });
  }

  /** The figures rows updated at or after `since`. */
  readNodes(since: number): Promise<NodeRow[]> {
    return this.#op("read_nodes", () => readNodeRows(this.#runner, since));
  }

  /** `UNDO` (see `PublicationStore.undo`). */
  undo(request: UndoRequest, card: CardBuilder): Promise<UndoResult> {
    return this.#op("undo", () => {
      checkClaimant(request);
      return this.#transaction(true, (tx) => undoIn(tx, SQLITE_DIALECT, request, card));
    });
  }

  /** `TAKE` (see `PublicationStore.take`). */
  take(request: TakeRequest): Promise<TakenJob[]> {
    return this.#op("take", async () => {
      checkTake(request);
      if (!(await anythingDue(this.#runner, request.at, "take"))) return [];
      return this.#transaction(true, (tx) => takeIn(tx, SQLITE_DIALECT, request));
    });
  }

  /** `PUBLISHED` (see `PublicationStore.published`). */
  published(report: PublishedReport): Promise<PublishedResult> {
    return this.#op("published", () => {
      checkReport(report);
      return this.#transaction(true, (tx) => publishedIn(tx, SQLITE_DIALECT, report));
    });
  }

  /** `PUBLISH_FAILED` (see `PublicationStore.publishFailed`). */
  publishFailed(report: FailureReport): Promise<FailureResult> {
    return this.#op("publish_failed", () => {
      checkReport(report);
      return this.#transaction(true, (tx) => publishFailedIn(tx, SQLITE_DIALECT, report));
    });
  }

  /** `RETRY` (see `PublicationStore.retry`). */
  retry(request: RetryRequest): Promise<RetryResult> {
    return this.#op("retry", () => {
      checkClaimant(request);
      return this.#transaction(true, (tx) => retryIn(tx, SQLITE_DIALECT, request));
    });
  }

  /** The scheduler's step (see `PublicationStore.advancePublications`). */
  advancePublications(request: AdvanceRequest): Promise<AdvanceResult> {
    return this.#op("advance_publications", async () => {
      checkDate(request.at, "at");
      if (!(await anythingDue(this.#runner, request.at, "advance"))) {
        return { events: [], lapsed: 0, settled: 0 };
      }
      return this.#transaction(true, (tx) => advanceIn(tx, SQLITE_DIALECT, request));
    });
  }

  /** The publication rows of some responses. */
  publicationsOf(ids: readonly ResponseId[]): Promise<PublicationRow[]> {
    return this.#op("publications_of", () => {
      ids.forEach(checkResponseId);
      return readPublicationsOf(this.#runner, ids);
    });
  }

  /** The queue's figures. */
  publicationStats(): Promise<PublicationStats> {
    return this.#op("publication_stats", () => readPublicationStats(this.#runner));
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
