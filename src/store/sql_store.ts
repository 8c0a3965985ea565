/**
 * `Store` once, over either engine: every method checks its arguments, then
 * runs the shared SQL (`sql_*.ts`) as one operation of the engine
 * (`SqlEngine`): a read, or a writing transaction. What differs between
 * MySQL/MariaDB and SQLite (connections, transactions, retries, deadlines,
 * error mapping, history's isolation) is the engine's; the spellings that
 * differ are its `SqlDialect`'s.
 * @module
 */
import type { ResponseId, Seq } from "../protocol/types.ts";
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
import type {
  ClaimRequest,
  ClaimResult,
  ReleaseRequest,
  ReleaseResult,
  StoredClaim,
} from "./claim_store.ts";
import type { HistoryQuery } from "./history_store.ts";
import type { Snapshot } from "./log_store.ts";
import type { NodeRow } from "./node_store.ts";
import type { PresenceRow } from "./presence_store.ts";
import type {
  AnnouncementState,
  DecideResult,
  Decision,
  PendingBody,
  PendingStats,
} from "./response_store.ts";
import type { AppendResult, ResponseRow, StoredEvent } from "./rows.ts";
import type { Store } from "./store.ts";
import type { SqlEngine } from "./sql_engine.ts";
import type { SqlDialect, SqlRunner } from "./sql_runner.ts";
import { announceIn, decideIn } from "./sql_log.ts";
import { claimIn, readClaimsOf, readPendingClaims, releaseIn } from "./sql_claims.ts";
import {
  deletePresence,
  readPresenceRows,
  touchPresenceRow,
  writePresence,
} from "./sql_history.ts";
import { checkNodeRow, readNodeRows, writeNodeRow } from "./sql_nodes.ts";
import { readRevocationRows, type RevocationRow, writeRevocation } from "./sql_revocations.ts";
import {
  deleteEventsBefore,
  readAnnouncement,
  readAnnouncementState,
  readEvents,
  readHead,
  readOldest,
  readPending,
  readPendingStats,
  readResponse,
  readUnannounced,
  writePostText,
} from "./sql_queries.ts";
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

/** The SQL implementation of `Store`, over one engine (`MysqlStore`, `SqliteStore`). */
export class SqlStore implements Store {
  readonly #engine: SqlEngine;
  readonly #name: string;
  #epoch: string | null = null;

  /**
   * Makes a store over an engine; nothing connects until `init`.
   * @param engine the database engine
   * @param name the store's name in messages (`MysqlStore`, `SqliteStore`)
   */
  constructor(engine: SqlEngine, name: string) {
    this.#engine = engine;
    this.#name = name;
  }

  /** `mysql` or `sqlite`. */
  get dialect(): "mysql" | "sqlite" {
    return this.#engine.dialect.name;
  }

  /** Runs `fn` as one writing transaction (given the dialect), after `check` (inside the operation). */
  #write<T>(
    name: string,
    check: () => void,
    fn: (tx: SqlRunner, dialect: SqlDialect) => Promise<T>,
  ): Promise<T> {
    const engine = this.#engine;
    return engine.op(name, () => {
      check();
      return engine.transaction("write", (tx) => fn(tx, engine.dialect));
    });
  }

  // --- lifecycle ---

  /** Connects, creates what is missing and migrates (see `Store.init`). */
  async init(): Promise<void> {
    this.#epoch = await this.#engine.init();
  }

  /** Answers when the database does. @throws {StoreUnavailableError} */
  ping(): Promise<void> {
    return this.#engine.read("ping", async (r) => {
      await r.all("SELECT 1 AS ok");
    });
  }

  /** Closes connections; idempotent. */
  close(): Promise<void> {
    return this.#engine.close();
  }

  // --- the log ---

  /** The log's epoch. @throws {Error} before `init` */
  epoch(): string {
    if (this.#epoch === null) throw new Error(`${this.#name}: init() was not called`);
    return this.#epoch;
  }

  /** The log's head. */
  head(): Promise<Seq> {
    return this.#engine.read("head", readHead);
  }

  /** Events after `after`, ascending, at most `limit`. @throws {RangeError} on bad arguments */
  readSince(after: Seq, limit: number): Promise<StoredEvent[]> {
    return this.#engine.read("read_since", (r) => {
      checkRead(after, limit);
      return readEvents(r, after, limit);
    });
  }

  /** The smallest `seq` in the log, or `null`. */
  oldestSeq(): Promise<Seq | null> {
    return this.#engine.read("oldest_seq", readOldest);
  }

  /** The pending rows and the head they reflect, from one consistent read. */
  snapshot(): Promise<Snapshot> {
    return this.#engine.op("snapshot", () =>
      this.#engine.transaction("snapshot", async (tx) => {
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
    return this.#engine.read("prune", (r) => {
      checkDate(before, "before");
      return deleteEventsBefore(r, before);
    });
  }

  // --- responses ---

  /** Reads one response row, or `null`. */
  getResponse(id: ResponseId): Promise<ResponseRow | null> {
    return this.#engine.read("get_response", (r) => {
      checkResponseId(id);
      return readResponse(r, id);
    });
  }

  /** Stores post text where the row has none yet (idempotent, so retried like a read). */
  setPostText(id: ResponseId, text: string): Promise<void> {
    return this.#engine.read("set_post_text", (r) => {
      checkResponseId(id);
      if (typeof text !== "string") throw new TypeError("text must be a string");
      return writePostText(r, id, text);
    });
  }

  /** The `seq` of a response's pending event, or `null`. */
  findAnnouncement(id: ResponseId): Promise<Seq | null> {
    return this.#engine.read("find_announcement", (r) => {
      checkResponseId(id);
      return readAnnouncement(r, id);
    });
  }

  /** A row with its current announcement, from one read (see `ResponseStore.announcementState`). */
  announcementState(id: ResponseId): Promise<AnnouncementState | null> {
    return this.#engine.read("announcement_state", (r) => {
      checkResponseId(id);
      return readAnnouncementState(r, id);
    });
  }

  /** Pending responses with no current announcement, oldest first (see `ResponseStore.unannounced`). */
  unannounced(limit: number): Promise<ResponseId[]> {
    return this.#engine.read("unannounced", (r) => readUnannounced(r, checkLimit(limit)));
  }

  /** The pending rows' figures (see `ResponseStore.pendingStats`). */
  pendingStats(overdueBefore: Date): Promise<PendingStats> {
    return this.#engine.read("pending_stats", (r) => {
      checkDate(overdueBefore, "overdueBefore");
      return readPendingStats(r, overdueBefore);
    });
  }

  /** Appends a response's pending event (see `ResponseStore.announce`). */
  announce(
    id: ResponseId,
    build: (row: ResponseRow) => PendingBody,
    postText?: string,
  ): Promise<AppendResult> {
    return this.#write(
      "announce",
      () => {
        checkResponseId(id);
        if (postText !== undefined && typeof postText !== "string") {
          throw new TypeError("postText must be a string");
        }
      },
      (tx, d) => announceIn(tx, d, id, build, postText),
    );
  }

  /** Records a decision and its event (see `ResponseStore.decide`). */
  decide(decision: Decision): Promise<DecideResult> {
    return this.#write(
      "decide",
      () => checkDecision(decision),
      (tx, d) => decideIn(tx, d, decision),
    );
  }

  // --- claims ---

  /** Takes or renews a claim and appends its event (see `ClaimStore.claim`). */
  claim(request: ClaimRequest): Promise<ClaimResult> {
    return this.#write("claim", () => checkClaimant(request), (tx, d) => claimIn(tx, d, request));
  }

  /** Ends a claim and appends its event (see `ClaimStore.release`). */
  release(request: ReleaseRequest): Promise<ReleaseResult> {
    return this.#write(
      "release",
      () => checkClaimant(request),
      (tx, d) => releaseIn(tx, d, request),
    );
  }

  /** The stored claims on some responses. */
  claimsOf(ids: readonly ResponseId[]): Promise<StoredClaim[]> {
    return this.#engine.read("claims_of", (r) => {
      ids.forEach(checkResponseId);
      return readClaimsOf(r, ids);
    });
  }

  // --- history ---

  /** Decided responses, newest decision first, apart from the log's work (see `SqlEngine.history`). */
  history(query: HistoryQuery): Promise<ResponseRow[]> {
    return this.#engine.history(query);
  }

  // --- presence rows ---

  /** Upserts a process's presence row (idempotent, so retried like a read). */
  putPresence(row: PresenceRow): Promise<void> {
    return this.#engine.ephemeral(
      "put_presence",
      (r) => writePresence(r, this.#engine.dialect, row),
    );
  }

  /** Moves a process's heartbeat on, its report untouched; false when it has no row. */
  touchPresence(processId: string, heartbeatAt: Date): Promise<boolean> {
    return this.#engine.ephemeral(
      "touch_presence",
      (r) => touchPresenceRow(r, processId, heartbeatAt),
    );
  }

  /** The presence rows with a heartbeat at or after `since`, but `except`'s. */
  readPresence(since: Date, except = ""): Promise<PresenceRow[]> {
    return this.#engine.read("read_presence", (r) => readPresenceRows(r, since, except));
  }

  /** Deletes stale presence rows and, given, one process's row. */
  prunePresence(before: Date, processId?: string): Promise<number> {
    return this.#engine.read("prune_presence", (r) => deletePresence(r, before, processId));
  }

  // --- node rows ---

  /** Writes this process's figures row (idempotent, so retried like a read). */
  writeNode(row: NodeRow, forgetBefore?: number): Promise<void> {
    return this.#engine.ephemeral("write_node", (r) => {
      checkNodeRow(row);
      return writeNodeRow(r, this.#engine.dialect.name, row, forgetBefore);
    });
  }

  /** The figures rows updated at or after `since`. */
  readNodes(since: number): Promise<NodeRow[]> {
    return this.#engine.read("read_nodes", (r) => readNodeRows(r, since));
  }

  // --- revocations ---

  /** Revokes a user's earlier tokens (see `RevocationStore.revoke`; idempotent, so retried like a read). */
  revoke(user: string, at: Date): Promise<Date> {
    return this.#engine.read("revoke", (r) => writeRevocation(r, this.#engine.dialect, user, at));
  }

  /** The revocations at or after `since`. */
  readRevocations(since: Date | null): Promise<RevocationRow[]> {
    return this.#engine.read("read_revocations", (r) => readRevocationRows(r, since));
  }

  // --- publication (v1.2) ---

  /** `UNDO` (see `PublicationStore.undo`). */
  undo(request: UndoRequest, card: CardBuilder): Promise<UndoResult> {
    return this.#write(
      "undo",
      () => checkClaimant(request),
      (tx, d) => undoIn(tx, d, request, card),
    );
  }

  /** `TAKE` (see `PublicationStore.take`): nothing is locked when nothing is due. */
  take(request: TakeRequest): Promise<TakenJob[]> {
    const engine = this.#engine;
    return engine.op("take", async () => {
      checkTake(request);
      if (!(await engine.probe("take_probe", (r) => anythingDue(r, request.at, "take")))) return [];
      return engine.transaction("write", (tx) => takeIn(tx, engine.dialect, request));
    });
  }

  /** `PUBLISHED` (see `PublicationStore.published`). */
  published(report: PublishedReport): Promise<PublishedResult> {
    return this.#write(
      "published",
      () => checkReport(report),
      (tx, d) => publishedIn(tx, d, report),
    );
  }

  /** `PUBLISH_FAILED` (see `PublicationStore.publishFailed`). */
  publishFailed(report: FailureReport): Promise<FailureResult> {
    return this.#write(
      "publish_failed",
      () => checkReport(report),
      (tx, d) => publishFailedIn(tx, d, report),
    );
  }

  /** `RETRY` (see `PublicationStore.retry`). */
  retry(request: RetryRequest): Promise<RetryResult> {
    return this.#write("retry", () => checkClaimant(request), (tx, d) => retryIn(tx, d, request));
  }

  /** The scheduler's step (see `PublicationStore.advancePublications`). */
  advancePublications(request: AdvanceRequest): Promise<AdvanceResult> {
    const engine = this.#engine;
    return engine.op("advance_publications", async () => {
      checkDate(request.at, "at");
      const due = await engine.probe("advance_probe", (r) => anythingDue(r, request.at, "advance"));
      if (!due) return { events: [], lapsed: 0, settled: 0 };
      return engine.transaction("write", (tx) => advanceIn(tx, engine.dialect, request));
    });
  }

  /** The publication rows of some responses. */
  publicationsOf(ids: readonly ResponseId[]): Promise<PublicationRow[]> {
    return this.#engine.read("publications_of", (r) => {
      ids.forEach(checkResponseId);
      return readPublicationsOf(r, ids);
    });
  }

  /** The queue's figures. */
  publicationStats(): Promise<PublicationStats> {
    return this.#engine.read("publication_stats", readPublicationStats);
  }
}
