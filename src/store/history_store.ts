/**
 * The history's slice of the store: decided responses, newest first, for
 * `GET /api/history`.
 * @module
 */
import type { PublicationState } from "../protocol/publication_frames.ts";
import type { ResponseId } from "../protocol/types.ts";
import type { ResponseRow } from "./rows.ts";

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

/** Decided responses, read apart from the log's work. */
export interface HistoryStore {
  /** Decided responses, newest decision first (`decided_at`, then `id`, descending). */
  history(query: HistoryQuery): Promise<ResponseRow[]>;
}
