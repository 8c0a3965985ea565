/**
 * The storage seam: one interface, implemented for MySQL/MariaDB
 * (`mysql_store.ts`) and the embedded SQLite (`sqlite_store.ts`), verified by
 * one conformance suite (`tests/store/conformance.ts`).
 *
 * Ordering and atomicity, which every implementation guarantees:
 * - `seq` starts at 1 and is contiguous and in commit order across every
 *   process sharing the database: the appending transaction increments the
 *   head counter row (`ws_meta.head`) and holds its lock until commit, so a
 *   rollback leaves no gap and no later seq commits before an earlier one.
 * - A state change and its event commit in one transaction (`announce`,
 *   `decide`, `claim`, `release`): no decision without its event, no event
 *   without its decision.
 * - Claims (v1.1) are decided like decisions: the response's row is locked
 *   first (by every claim, release and decision, so they serialise on it),
 *   then one conditional statement settles who holds the claim; a decision
 *   by anyone but the live holder is refused inside the deciding transaction.
 * - `epoch` is created with the log and survives restarts.
 * @module
 */
import type { RevocationRow } from "./sql_revocations.ts";
import type { Claim } from "../claims/lease.ts";
import type { EventBody, PendingEvent } from "../protocol/frames.ts";
import type { EventKind, ResponseId, ResponseStatus, Seq } from "../protocol/types.ts";
import type { PublicationState } from "../protocol/publication_frames.ts";
import type { PublicationRow, PublicationStore } from "../publication/store_types.ts";

/** A row of the `responses` table (PROTOCOL.md §6). */
export interface ResponseRow {
  /** `responses.id`. */
  readonly id: ResponseId;
  /** Where the post lives (`vk`, `telegram`). */
  readonly platform: string;
  /** The URL of the post being answered. */
  readonly post_url: string;
  /** The post's text once fetched, else null. */
  readonly post_text: string | null;
  /** The post's author once fetched, else null. */
  readonly author: string | null;
  /** The proposed reply (replaced by the operator's edit on approval). */
  readonly response_text: string;
  /** `pending`, `approved` or `rejected` (a string for values another writer stored). */
  readonly status: ResponseStatus | string;
  /** When the module stored it. */
  readonly created_at: Date;
  /** When it was decided, null while pending. */
  readonly decided_at: Date | null;
  /** The user who decided it, null while pending. */
  readonly decided_by: string | null;
  /** The rejection's reason, else null. */
  readonly reason: string | null;
}

/** One event of the log, with its frame encoded once at append time. */
export interface StoredEvent {
  /** The event's position in the log. */
  readonly seq: Seq;
  /** What happened. */
  readonly kind: EventKind;
  /** The response it happened to. */
  readonly responseId: ResponseId;
  /** The `EVENT` frame's JSON text, sent as is to every client. */
  readonly frame: string;
  /** When it was appended. */
  readonly createdAt: Date;
}

/** What a state change in the log came to. */
export type AppendResult =
  | { readonly kind: "appended"; readonly event: StoredEvent }
  | { readonly kind: "duplicate"; readonly seq: Seq }
  | { readonly kind: "not_found" }
  | {
    readonly kind: "not_pending";
    readonly status: string;
    readonly decidedBy: string | null;
  };

/** Another user holds a live claim: the command is refused (ERROR `claimed`). */
export interface ClaimRefusal {
  /** Always `claimed`. */
  readonly kind: "claimed";
  /** The user holding the claim. */
  readonly holder: string;
  /** When that claim lapses. */
  readonly until: Date;
}

/** What a decision came to: as any append, or refused for another's live claim. */
export type DecideResult = AppendResult | ClaimRefusal;

/** A `CLAIM` to record. */
export interface ClaimRequest {
  /** The response to claim. */
  readonly responseId: ResponseId;
  /** The claiming user (`sub` of the token). */
  readonly by: string;
  /** The server's time of the command: claims lapsed before it may be taken over. */
  readonly at: Date;
  /** When the claim lapses unless renewed (`at` + `CLAIM_LEASE_MS`). */
  readonly until: Date;
  /**
   * (v1.2) `CLAIM_MAX_PER_USER`: a new claim (not a renewal) is refused when
   * the user already holds this many live claims. Absent: no cap.
   */
  readonly maxPerUser?: number;
}

/** (v1.2) A renewal in the first half of the lease: nothing changed, nothing appended. */
export interface ClaimUnchanged {
  /** Always `current`. */
  readonly kind: "current";
  /** The `seq` of the `claimed` event that took or last renewed the claim. */
  readonly seq: Seq;
  /** The holder (the caller). */
  readonly holder: string;
  /** When the claim lapses, as it stands. */
  readonly until: Date;
}

/** (v1.2) The user already holds `maxPerUser` live claims (ERROR `too_many_claims`). */
export interface TooManyClaims {
  /** Always `too_many_claims`. */
  readonly kind: "too_many_claims";
  /** The cap that was reached. */
  readonly limit: number;
}

/** What a claim came to: the `claimed` event, or why not. */
export type ClaimResult =
  | Extract<AppendResult, { kind: "appended" | "not_found" | "not_pending" }>
  | ClaimRefusal
  | ClaimUnchanged
  | TooManyClaims;

/** A `RELEASE` to record. */
export interface ReleaseRequest {
  /** The response whose claim ends. */
  readonly responseId: ResponseId;
  /** The releasing user. */
  readonly by: string;
  /** An admin may end anyone's claim. */
  readonly admin: boolean;
  /** The server's time of the command: a lapsed claim is no claim. */
  readonly at: Date;
}

/** What a release came to: the `released` event, nothing to release, or refused. */
export type ReleaseResult =
  | Extract<AppendResult, { kind: "appended" | "not_found" }>
  | { readonly kind: "not_held" }
  | ClaimRefusal;

/** A stored claim with the response it is on. */
export interface StoredClaim extends Claim {
  /** The response the claim is on. */
  readonly responseId: ResponseId;
}

/** One process's row of presence (who is connected to it), as stored. */
export interface PresenceRow {
  /** The reporting process's id. */
  readonly processId: string;
  /** The process's own report (JSON text, written and read by `src/presence/`). */
  readonly users: string;
  /** When the process last wrote the row. */
  readonly heartbeatAt: Date;
}

/** A page of `GET /api/history`'s query, already checked. */
export interface HistoryQuery {
  /** Only approvals or only rejections. */
  readonly status?: "approved" | "rejected";
  /** Only responses to posts on this platform. */
  readonly platform?: string;
  /** The decider, exactly. */
  readonly by?: string;
  /** Case-insensitive text in `response_text`, `post_text`, `author` or (v1.2) `reason`. */
  readonly q?: string;
  /** (v1.2) Decided at or after this time. */
  readonly from?: Date;
  /** (v1.2) Decided before this time. */
  readonly to?: Date;
  /** Rows to return, 1…200. */
  readonly limit: number;
  /** Continue after this row (the last of the previous page), newest first. */
  readonly after?: { readonly decidedAt: Date; readonly id: ResponseId };
  /** (v1.2) Only approvals whose publication is in this state. */
  readonly publication?: PublicationState;
}

/** The body of a `pending` event, built from the locked row. */
export type PendingBody = Omit<PendingEvent, "type" | "seq">;

/** A decision to record. */
export interface Decision {
  /** The response decided. */
  readonly responseId: ResponseId;
  /** How. */
  readonly decision: "approved" | "rejected";
  /** The deciding user (`sub` of the token). */
  readonly by: string;
  /** When the decision was made. */
  readonly at: Date;
  /** `APPROVED.text`: replaces `responses.response_text` in the same transaction. */
  readonly text?: string;
  /** `REJECTED.reason`. */
  readonly reason?: string;
  /** (v1.2) When the undo window closes (`at` + `UNDO_WINDOW_MS`); absent: `at`. */
  readonly undoUntil?: Date;
}

/** A consistent view of the pending rows and the log head they reflect. */
export interface Snapshot {
  /** The log's head the rows reflect. */
  readonly seq: Seq;
  /** Rows with `status = 'pending'`, ordered by `created_at` then `id`. */
  readonly rows: readonly ResponseRow[];
  /** The claims on those rows as stored, lapsed ones included (the caller judges with its clock). */
  readonly claims: ReadonlyMap<ResponseId, Claim>;
  /** (v1.2) Decisions still held in their window and approvals not yet published, oldest first. */
  readonly inFlight?: readonly PublicationRow[];
}

/** (v1.2) The pending rows' figures, for `/metrics`. */
export interface PendingStats {
  /** Rows with `status = 'pending'`. */
  readonly count: number;
  /** The oldest pending row's `created_at`, or null when none is pending. */
  readonly oldest: Date | null;
  /** Pending rows created before the SLA's cut-off. */
  readonly overdue: number;
}

/** One server process's last published figures (`ws_nodes`). */
export interface NodeRow {
  /** The process's node id (1–64 characters). */
  readonly node: string;
  /** When it published them, ms since the epoch. */
  readonly updatedAt: number;
  /** The figures, as JSON text. */
  readonly figures: string;
}

/** Reports the duration of each database operation (for the latency histogram). */
export type QueryObserver = (operation: string, seconds: number) => void;

/** The durable store: responses, the event log, and the server's own tables. */
export interface Store extends PublicationStore {
  /** `mysql` or `sqlite`. */
  readonly dialect: "mysql" | "sqlite";

  /**
   * Creates the database (MySQL, when allowed), the `responses` table, the
   * `ws_*` tables and the epoch if missing; applies migrations.
   * @throws {StoreUnavailableError} when the database does not answer
   */
  init(): Promise<void>;

  /** The log's epoch (after `init`). */
  epoch(): string;

  /** Answers when the database does. @throws {StoreUnavailableError} */
  ping(): Promise<void>;

  /** Reads one response row, or `null`. */
  getResponse(id: ResponseId): Promise<ResponseRow | null>;

  /** Stores fetched post text, only where `post_text` is still NULL or empty. */
  setPostText(id: ResponseId, text: string): Promise<void>;

  /** The `seq` of the `pending` event of a response already announced, or `null`. */
  findAnnouncement(id: ResponseId): Promise<Seq | null>;

  /**
   * (v1.2) Pending responses that no `pending` event announced (inserted
   * without an `SR`), oldest first; cheap at any number of decided rows.
   * @param limit most ids returned (1–10000)
   */
  unannounced(limit: number): Promise<ResponseId[]>;

  /**
   * (v1.2) How many responses are pending, the oldest's creation, and how
   * many were created before `overdueBefore`.
   */
  pendingStats(overdueBefore: Date): Promise<PendingStats>;

  /**
   * Appends the `pending` event of a response in one transaction: the row is
   * locked and must be `pending` (else `not_pending`/`not_found`); a response
   * already announced answers `duplicate` with the original `seq`.
   * @param id the response
   * @param build builds the event's body from the locked row (synchronous)
   */
  announce(id: ResponseId, build: (row: ResponseRow) => PendingBody): Promise<AppendResult>;

  /**
   * Records a decision and appends its event in one transaction, with a
   * conditional update (`WHERE status = 'pending'`) whose row count decides
   * races: exactly one decision per response. The same user repeating the
   * same decision answers `duplicate` with the original decision's `seq`.
   */
  decide(decision: Decision): Promise<DecideResult>;

  /**
   * Takes or renews a claim and appends its `claimed` event in one
   * transaction. One conditional upsert settles races: the claim goes to the
   * caller when nobody holds it, its claim lapsed before `at`, or the caller
   * holds it already (a renewal, with a new `until` and a new event).
   * (v1.2) A renewal in the first half of its lease (`at` before the held
   * `until` minus half of `until - at`) changes nothing and answers
   * `current`; a new claim by a user who already holds `maxPerUser` live
   * claims answers `too_many_claims` (the count is taken under the log's
   * head lock, which every append takes anyway, so racing claims cannot pass
   * the cap together).
   */
  claim(request: ClaimRequest): Promise<ClaimResult>;

  /**
   * Ends a live claim of the caller (an admin: anyone's) and appends its
   * `released` event in one transaction, with a conditional delete whose row
   * count decides; `not_held` when the caller holds no live claim on it.
   */
  release(request: ReleaseRequest): Promise<ReleaseResult>;

  /** The stored claims (lapsed ones included) on the given responses. */
  claimsOf(ids: readonly ResponseId[]): Promise<StoredClaim[]>;

  /** Writes (upserts) this process's presence row. */
  putPresence(row: PresenceRow): Promise<void>;

  /** Every process's presence row with a heartbeat at or after `since`. */
  readPresence(since: Date): Promise<PresenceRow[]>;

  /** Deletes presence rows older than `before` and the given process's row (if any); returns how many. */
  prunePresence(before: Date, processId?: string): Promise<number>;

  /** Decided responses, newest decision first (`decided_at`, then `id`, descending). */
  history(query: HistoryQuery): Promise<ResponseRow[]>;

  /** The log's head: the highest committed `seq` (0 when empty). */
  head(): Promise<Seq>;

  /** Events with `seq > after`, ascending, at most `limit`. */
  readSince(after: Seq, limit: number): Promise<StoredEvent[]>;

  /** The smallest `seq` still in the log, or `null` when it is empty. */
  oldestSeq(): Promise<Seq | null>;

  /** A consistent snapshot of the pending rows with the head it reflects. */
  snapshot(): Promise<Snapshot>;

  /** Deletes events created before `before`; returns how many. */
  prune(before: Date): Promise<number>;

  /**
   * Writes this process's figures row (one per node, replaced each time);
   * deletes rows not updated since `forgetBefore` when given.
   * @throws {TypeError} on a bad row
   */
  writeNode(row: NodeRow, forgetBefore?: number): Promise<void>;

  /** The figures rows updated at or after `since` (ms since the epoch). */
  readNodes(since: number): Promise<NodeRow[]>;

  /**
   * (v1.2) Revokes a user's tokens issued at or before `at` (`ws_revocations`);
   * a later moment already stored is kept.
   * @returns the stored moment
   * @throws {TypeError} on an empty or too long user
   */
  revoke(user: string, at: Date): Promise<Date>;

  /** (v1.2) The revocations at or after `since` (every one with `null`), oldest first. */
  readRevocations(since: Date | null): Promise<RevocationRow[]>;

  /** Closes connections; idempotent. */
  close(): Promise<void>;
}

/** The database does not answer (connection refused, lost, timed out). */
export class StoreUnavailableError extends Error {
  /**
   * Creates the error of a database that does not answer.
   * @param message what failed
   * @param options the underlying error
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StoreUnavailableError";
  }
}

/** Builds the body of a decision event from the row as decided. */
export function decisionBody(d: Decision, rowText: string): EventBody {
  return d.decision === "approved"
    ? {
      event: "approved",
      response_id: d.responseId,
      by: d.by,
      at: d.at.toISOString(),
      text: d.text ?? rowText,
      undo_until: (d.undoUntil ?? d.at).toISOString(),
    }
    : {
      event: "rejected",
      response_id: d.responseId,
      by: d.by,
      at: d.at.toISOString(),
      reason: d.reason ?? null,
      undo_until: (d.undoUntil ?? d.at).toISOString(),
    };
}
