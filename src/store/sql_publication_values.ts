/**
 * Values of the publication tables crossing the SQL boundary: the columns
 * read, the mapping of a row, and the lock clause of a queue read.
 * @module
 */
import type { PublicationState } from "../protocol/publication_frames.ts";
import { asResponseId, asSeq } from "../protocol/types.ts";
import type { PublicationRow } from "../publication/store_types.ts";
import type { SqlDialect } from "./sql_runner.ts";
import { fromDbTime, type SqlRow } from "./sql_values.ts";

/** Columns of `ws_publications`, in the order `toPublicationRow` reads them. */
export const PUBLICATION_COLUMNS: string = "response_id, decision, state, platform, decided_by, " +
  "decided_at, undo_until, original_text, attempt, attempts, due_at, lease_holder, " +
  "lease_until, maybe_applied, published_at, url, platform_ref, last_error, published_seq";

const timeOrNull = (v: unknown): Date | null =>
  v === null || v === undefined ? null : fromDbTime(v);
const textOrNull = (v: unknown): string | null => v === null || v === undefined ? null : String(v);

/**
 * Maps a `ws_publications` row.
 * @param r the row, selected with `PUBLICATION_COLUMNS`
 * @returns the typed row
 */
export function toPublicationRow(r: SqlRow): PublicationRow {
  return {
    responseId: asResponseId(Number(r.response_id)),
    decision: String(r.decision) === "rejected" ? "rejected" : "approved",
    state: String(r.state) as PublicationState | "rejected",
    platform: String(r.platform),
    decidedBy: String(r.decided_by),
    decidedAt: fromDbTime(r.decided_at),
    undoUntil: fromDbTime(r.undo_until),
    originalText: textOrNull(r.original_text),
    attempt: Number(r.attempt),
    attemptsTaken: Number(r.attempts),
    dueAt: timeOrNull(r.due_at),
    leaseHolder: textOrNull(r.lease_holder),
    leaseUntil: timeOrNull(r.lease_until),
    maybeApplied: Number(r.maybe_applied) === 1,
    publishedAt: timeOrNull(r.published_at),
    url: textOrNull(r.url),
    platformRef: textOrNull(r.platform_ref),
    lastError: textOrNull(r.last_error),
    publishedSeq: r.published_seq === null || r.published_seq === undefined
      ? null
      : asSeq(Number(r.published_seq)),
  };
}

/**
 * The clause that locks the queue rows a read hands out and passes over
 * the rows other transactions hold: `FOR UPDATE SKIP LOCKED` on MariaDB
 * (10.6+); nothing on SQLite, whose `BEGIN IMMEDIATE` already makes the
 * transaction the only writer.
 * @param dialect the database's spellings
 * @returns the clause, with its leading space
 */
export function skipLocked(dialect: SqlDialect): string {
  return dialect.name === "mysql" ? " FOR UPDATE SKIP LOCKED" : "";
}
