/**
 * The publication pipeline's part of the storage seam (PROTOCOL.md §3.4):
 * what `Store` adds for v1.2, with the guarantees every implementation
 * keeps. The queue lives in the hub's own `ws_publications` table (one row
 * per decision made under v1.2) and each attempt in
 * `ws_publication_attempts`; `responses` gains no column.
 *
 * - Each transition is one conditional statement (its `WHERE` names the
 *   state, and the attempt, it starts from) plus its event, in one
 *   transaction: of two processes making the same step, exactly one
 *   changes the row and appends the event; the other sees the new state.
 * - `take` locks the due rows it hands out (`FOR UPDATE SKIP LOCKED` on
 *   MariaDB; SQLite's single writer transaction elsewhere), so an attempt
 *   goes to one module, and concurrent takers get different jobs.
 * - Nothing here reads the clock: every time is an argument.
 * @module
 */
import type { Card, SnapshotItem } from "../protocol/frames.ts";
import type { PublicationState } from "../protocol/publication_frames.ts";
import type { Platform, ResponseId, Seq } from "../protocol/types.ts";
import type { ResponseRow, StoredEvent } from "../store/rows.ts";

/** What a `ws_publications` row holds. */
export interface PublicationRow {
  /** The decided response. */
  readonly responseId: ResponseId;
  /** How it was decided. */
  readonly decision: "approved" | "rejected";
  /** Where it stands; `rejected` once a rejection's window has passed. */
  readonly state: PublicationState | "rejected";
  /** The response's platform. */
  readonly platform: string;
  /** The decider. */
  readonly decidedBy: string;
  /** When decided. */
  readonly decidedAt: Date;
  /** When the undo window closes. */
  readonly undoUntil: Date;
  /** The proposed reply when the operator edited it, else null. */
  readonly originalText: string | null;
  /** queued: the attempt to be made; publishing: the one held; published/failed: the last. */
  readonly attempt: number;
  /** Attempts taken so far. */
  readonly attemptsTaken: number;
  /** held: `undoUntil`; queued: when due; publishing: `leaseUntil`; else null. */
  readonly dueAt: Date | null;
  /** The module holding the current attempt, or null. */
  readonly leaseHolder: string | null;
  /** When its lease lapses, or null. */
  readonly leaseUntil: Date | null;
  /** An earlier attempt was taken and never reported. */
  readonly maybeApplied: boolean;
  /** When published, or null. */
  readonly publishedAt: Date | null;
  /** The reply's URL, or null. */
  readonly url: string | null;
  /** The platform's id of the reply, or null. */
  readonly platformRef: string | null;
  /** The last failure's reason, or null. */
  readonly lastError: string | null;
  /** The `published` event's seq, or null. */
  readonly publishedSeq: Seq | null;
}

/** An `UNDO` to record. */
export interface UndoRequest {
  /** The decided response. */
  readonly responseId: ResponseId;
  /** Who undoes it. */
  readonly by: string;
  /** An admin may undo anyone's decision. */
  readonly admin: boolean;
  /** The server's time of the command. */
  readonly at: Date;
}

/** A command refused for the state the response is in. */
export interface BadState {
  /** Always `bad_state`. */
  readonly kind: "bad_state";
  /** The state (`pending`, `held`, `queued`, `publishing`, `published`, `failed`, `rejected`). */
  readonly state: PublicationState | "pending" | "rejected";
}

/** What an undo came to. */
export type UndoResult =
  | { readonly kind: "appended"; readonly event: StoredEvent }
  | { readonly kind: "not_found" }
  | { readonly kind: "forbidden"; readonly decidedBy: string }
  | { readonly kind: "too_late"; readonly undoUntil: Date | null }
  | BadState;

/** A `TAKE` to record. */
export interface TakeRequest {
  /** The module taking jobs. */
  readonly by: string;
  /** Only these platforms; absent: any. */
  readonly platforms?: readonly Platform[];
  /** Most jobs, 1–20. */
  readonly max: number;
  /** The server's time: jobs due at or before it are taken. */
  readonly at: Date;
  /** When the leases lapse (`at` + `PUBLISH_LEASE_MS`). */
  readonly leaseUntil: Date;
}

/** One job handed out by `take`, with its `publishing` event. */
export interface TakenJob {
  /** The response. */
  readonly responseId: ResponseId;
  /** Where to post. */
  readonly platform: string;
  /** The post to answer. */
  readonly postUrl: string;
  /** The approved reply. */
  readonly text: string;
  /** This attempt's number. */
  readonly attempt: number;
  /** When its lease lapses. */
  readonly leaseUntil: Date;
  /** An earlier attempt may have posted. */
  readonly maybeApplied: boolean;
  /** The approver. */
  readonly decidedBy: string;
  /** When approved. */
  readonly decidedAt: Date;
  /** The `publishing` event. */
  readonly event: StoredEvent;
}

/** A `PUBLISHED` to record. */
export interface PublishedReport {
  /** The response. */
  readonly responseId: ResponseId;
  /** The attempt reporting. */
  readonly attempt: number;
  /** The module reporting. */
  readonly by: string;
  /** The server's time of the report. */
  readonly at: Date;
  /** The platform's id of the reply. */
  readonly platformRef: string | null;
  /** The reply's URL (already checked against the platform's hosts). */
  readonly url: string | null;
}

/** What a success report came to. */
export type PublishedResult =
  | { readonly kind: "appended"; readonly event: StoredEvent; readonly decidedAt: Date }
  | { readonly kind: "duplicate"; readonly seq: Seq }
  | { readonly kind: "not_found" }
  | { readonly kind: "unknown_attempt"; readonly attemptsTaken: number }
  | BadState;

/** A `PUBLISH_FAILED` to record, with the policy that decides what follows. */
export interface FailureReport {
  /** The response. */
  readonly responseId: ResponseId;
  /** The attempt reporting. */
  readonly attempt: number;
  /** The module reporting. */
  readonly by: string;
  /** The server's time of the report. */
  readonly at: Date;
  /** Why (≤ 1024 characters). */
  readonly reason: string;
  /** False: no further attempt. */
  readonly retryable: boolean;
  /** `PUBLISH_MAX_ATTEMPTS`: an attempt of this number or later is final. */
  readonly maxAttempts: number;
  /** When the next attempt is due, when there is one (see `retryDueAt`). */
  readonly nextDueAt: Date;
}

/** What a failure report came to. */
export type FailureResult =
  | { readonly kind: "appended"; readonly event: StoredEvent; readonly final: boolean }
  | { readonly kind: "stale" }
  | { readonly kind: "not_found" }
  | { readonly kind: "not_holder"; readonly holder: string | null }
  | BadState;

/** A `RETRY` to record. */
export interface RetryRequest {
  /** The failed publication's response. */
  readonly responseId: ResponseId;
  /** The admin. */
  readonly by: string;
  /** The server's time: the new attempt is due then. */
  readonly at: Date;
}

/** What a retry came to. */
export type RetryResult =
  | { readonly kind: "appended"; readonly event: StoredEvent }
  | { readonly kind: "not_found" }
  | BadState;

/** One step of the scheduler: the windows and leases that passed by `at`. */
export interface AdvanceRequest {
  /** The server's time. */
  readonly at: Date;
  /** `PUBLISH_MAX_ATTEMPTS`: a lapsed lease of this attempt ends the publication `failed`. */
  readonly maxAttempts: number;
  /** Most rows to move in one transaction. */
  readonly limit: number;
}

/** What one scheduler step did. */
export interface AdvanceResult {
  /** The events appended (`queued`, `publish_failed`), in seq order. */
  readonly events: readonly StoredEvent[];
  /** Leases that lapsed with no report. */
  readonly lapsed: number;
  /** Rejections whose window passed (no event). */
  readonly settled: number;
}

/** The queue's figures for `/metrics`. */
export interface PublicationStats {
  /** Rows by state (`rejected` not counted). */
  readonly byState: Readonly<Record<PublicationState, number>>;
  /** When the oldest approval not yet published was decided, or null. */
  readonly oldestUnpublished: Date | null;
}

/** Renders a reopened response's card from its row (no fetching). */
export type CardBuilder = (row: ResponseRow) => Card;

/** Re-exported for the snapshot's items. */
export type { SnapshotItem };

/** The pipeline's methods of `Store`. */
export interface PublicationStore {
  /**
   * `UNDO`: within the window, the decision's `ws_publications` row is
   * deleted by a conditional statement (`state = 'held' AND undo_until >
   * at`), the row of `responses` goes back to pending (an edited reply
   * restored) and the `reopened` event is appended.
   */
  undo(request: UndoRequest, card: CardBuilder): Promise<UndoResult>;
  /** `TAKE`: hands out up to `max` due jobs, oldest due first, each with its `publishing` event. */
  take(request: TakeRequest): Promise<TakenJob[]>;
  /** `PUBLISHED`: ends a publication that is queued, publishing or failed. */
  published(report: PublishedReport): Promise<PublishedResult>;
  /** `PUBLISH_FAILED`: from the holder of the current attempt; an earlier attempt is `stale`. */
  publishFailed(report: FailureReport): Promise<FailureResult>;
  /** `RETRY`: a failed publication goes back to the queue, due at `at`. */
  retry(request: RetryRequest): Promise<RetryResult>;
  /** The scheduler's step: passed windows → `queued`; lapsed leases → `queued` (or `failed`). */
  advancePublications(request: AdvanceRequest): Promise<AdvanceResult>;
  /** The publication rows of some responses (at most a few hundred ids). */
  publicationsOf(ids: readonly ResponseId[]): Promise<PublicationRow[]>;
  /** The queue's figures. */
  publicationStats(): Promise<PublicationStats>;
}
