/**
 * The responses' slice of the store: reading a row, storing fetched post
 * text, finding what is not announced, and the two state changes of a
 * response with their events (`announce`, `decide`).
 * @module
 */
import type { PendingEvent } from "../protocol/frames.ts";
import type { ResponseId, Seq } from "../protocol/types.ts";
import type { AppendResult, ClaimRefusal, ResponseRow } from "./rows.ts";

/** (v1.2) The pending rows' figures, for `/metrics`. */
export interface PendingStats {
  /** Rows with `status = 'pending'`. */
  readonly count: number;
  /** The oldest pending row's `created_at`, or null when none is pending. */
  readonly oldest: Date | null;
  /** Pending rows created before the SLA's cut-off. */
  readonly overdue: number;
}

/** The body of a `pending` event, built from the locked row. */
export type PendingBody = Omit<PendingEvent, "type" | "seq">;

/** A response as an `SR` reads it before fetching: the row and its current announcement. */
export interface AnnouncementState {
  /** The row. */
  readonly row: ResponseRow;
  /** What `findAnnouncement` answers for it. */
  readonly seq: Seq | null;
}

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

/** What a decision came to: as any append, or refused for another's live claim. */
export type DecideResult = AppendResult | ClaimRefusal;

/** The `responses` rows and their announcement and decision. */
export interface ResponseStore {
  /** Reads one response row, or `null`. */
  getResponse(id: ResponseId): Promise<ResponseRow | null>;

  /** Stores fetched post text, only where `post_text` is still NULL or empty. */
  setPostText(id: ResponseId, text: string): Promise<void>;

  /**
   * The `seq` of the event that announced a response's current pending state
   * (its `pending` event, or the `reopened` event of an undo), or `null`: never
   * announced, or decided since (a row another module put back to pending
   * after its decision is announced anew).
   */
  findAnnouncement(id: ResponseId): Promise<Seq | null>;

  /**
   * `getResponse` and `findAnnouncement` of one response in one read, or
   * `null` when there is no row.
   */
  announcementState(id: ResponseId): Promise<AnnouncementState | null>;

  /**
   * (v1.2) Pending responses with no current announcement (inserted without
   * an `SR`, or put back to pending after their decision), oldest first;
   * cheap at any number of decided rows.
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
   * @param postText a text fetched for the row: stored in the same
   * transaction (as `setPostText` does) before `build` sees the row
   */
  announce(
    id: ResponseId,
    build: (row: ResponseRow) => PendingBody,
    postText?: string,
  ): Promise<AppendResult>;

  /**
   * Records a decision and appends its event in one transaction, with a
   * conditional update (`WHERE status = 'pending'`) whose row count decides
   * races: exactly one decision per response. The same user repeating the
   * same decision answers `duplicate` with the original decision's `seq`.
   */
  decide(decision: Decision): Promise<DecideResult>;
}
