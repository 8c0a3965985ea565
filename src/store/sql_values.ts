/**
 * Values crossing the SQL boundary, shared by both dialects: the one text
 * format of times (`YYYY-MM-DD HH:MM:SS.mmm`, UTC), row mapping, and checks
 * of the arguments every `Store` method receives.
 * @module
 */
import { MAX_REASON_CHARS, MAX_TEXT_CHARS } from "../protocol/decode.ts";
import {
  asResponseId,
  asSeq,
  type EventKind,
  type ResponseId,
  type Seq,
} from "../protocol/types.ts";
import type { Claim } from "../claims/lease.ts";
import type { Decision } from "./response_store.ts";
import type { ResponseRow, StoredEvent } from "./rows.ts";

/** A value bound to a `?` placeholder. */
export type SqlParam = string | number | null;

/** A row as a driver returns it. */
export type SqlRow = Record<string, unknown>;

/** Longest `decided_by` (the column is VARCHAR(255)). */
export const MAX_USER_CHARS = 255;

/** Most events one `readSince` may return. */
export const MAX_READ_LIMIT = 100_000;

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/**
 * Formats a time as the database stores it: UTC, millisecond precision.
 * @param d the time
 * @returns `YYYY-MM-DD HH:MM:SS.mmm`
 */
export function toDbTime(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.` +
    pad(d.getUTCMilliseconds(), 3);
}

const DB_TIME =
  /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses a time read from the database. Zone-less text is UTC (contract §6);
 * other modules' `YYYY-MM-DD HH:MM:SS` and ISO-8601 forms are accepted too.
 * @param v the column's value
 * @returns the time
 * @throws {TypeError} when the value is not a time
 */
export function fromDbTime(v: unknown): Date {
  if (v instanceof Date) return v;
  if (typeof v === "string") {
    const m = DB_TIME.exec(v.trim());
    if (m) {
      const d = new Date(`${m[1]}T${m[2]}${m[3] ?? "Z"}`);
      if (!Number.isNaN(d.getTime())) return d;
    }
  }
  throw new TypeError(`not a database time: ${JSON.stringify(v)}`);
}

const textOrNull = (
  v: unknown,
): string | null => (v === null || v === undefined ? null : String(v));

/** A `seq` column's value, or `null` for SQL NULL (or no row). */
export const seqOrNull = (
  v: unknown,
): Seq | null => (v === null || v === undefined ? null : asSeq(Number(v)));

/** Columns of `responses`, in the order of §6. */
export const RESPONSE_COLUMNS =
  "id, platform, post_url, post_text, author, response_text, status, created_at, decided_at, decided_by, reason";

/**
 * Maps a `responses` row.
 * @param r the row, selected with `RESPONSE_COLUMNS`
 * @returns the typed row
 */
export function toResponseRow(r: SqlRow): ResponseRow {
  return {
    id: asResponseId(Number(r.id)),
    platform: String(r.platform),
    post_url: String(r.post_url),
    post_text: textOrNull(r.post_text),
    author: textOrNull(r.author),
    response_text: String(r.response_text ?? ""),
    status: String(r.status),
    created_at: fromDbTime(r.created_at),
    decided_at: r.decided_at === null || r.decided_at === undefined
      ? null
      : fromDbTime(r.decided_at),
    decided_by: textOrNull(r.decided_by),
    reason: textOrNull(r.reason),
  };
}

/** Columns of `ws_events`. */
export const EVENT_COLUMNS = "seq, kind, response_id, frame, created_at";

/**
 * Maps a `ws_events` row.
 * @param r the row, selected with `EVENT_COLUMNS`
 * @returns the stored event
 */
export function toStoredEvent(r: SqlRow): StoredEvent {
  return {
    seq: asSeq(Number(r.seq)),
    kind: String(r.kind) as EventKind,
    responseId: asResponseId(Number(r.response_id)),
    frame: String(r.frame),
    createdAt: fromDbTime(r.created_at),
  };
}

/**
 * Maps a `ws_claims` row (`holder`, `until_at`), or `null` when there is none
 * (also a LEFT JOIN that found none).
 * @param row the row, or undefined
 * @returns the claim
 */
export function toClaim(row: SqlRow | undefined): Claim | null {
  if (row === undefined || row.holder === null || row.holder === undefined) return null;
  return { holder: String(row.holder), until: fromDbTime(row.until_at) };
}

/**
 * Checks a claim's or release's user and times.
 * @throws {RangeError|TypeError} naming the bad field
 */
export function checkClaimant(
  r: { responseId: ResponseId; by: string; at: Date; until?: Date },
): void {
  checkResponseId(r.responseId);
  if (typeof r.by !== "string" || r.by.length === 0 || r.by.length > MAX_USER_CHARS) {
    throw new RangeError(`by must be a string of 1…${MAX_USER_CHARS} characters`);
  }
  checkDate(r.at, "at");
  if (r.until !== undefined) {
    checkDate(r.until, "until");
    if (r.until.getTime() <= r.at.getTime()) throw new RangeError("until must be after at");
  }
}

/**
 * Checks a response id.
 * @throws {RangeError} unless a positive safe integer
 */
export function checkResponseId(id: ResponseId): void {
  if (!Number.isSafeInteger(id) || id <= 0) {
    throw new RangeError(`response id must be a positive integer, got ${String(id)}`);
  }
}

/**
 * Checks a `readSince` position and page size.
 * @throws {RangeError} unless `after` ≥ 0 and 1 ≤ `limit` ≤ `MAX_READ_LIMIT`, both integers
 */
export function checkRead(after: Seq, limit: number): void {
  if (!Number.isSafeInteger(after) || after < 0) {
    throw new RangeError(`after must be an integer ≥ 0, got ${String(after)}`);
  }
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_READ_LIMIT) {
    throw new RangeError(`limit must be an integer in 1…${MAX_READ_LIMIT}, got ${String(limit)}`);
  }
}

/**
 * Checks a time argument.
 * @throws {TypeError} unless a valid `Date`
 */
export function checkDate(d: Date, name: string): void {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) {
    throw new TypeError(`${name} must be a valid Date`);
  }
}

/**
 * Checks a decision before it reaches the database.
 * @throws {RangeError|TypeError} naming the bad field
 */
export function checkDecision(d: Decision): void {
  checkResponseId(d.responseId);
  if (d.decision !== "approved" && d.decision !== "rejected") {
    throw new RangeError(`decision must be 'approved' or 'rejected', got ${String(d.decision)}`);
  }
  if (typeof d.by !== "string" || d.by.length === 0 || d.by.length > MAX_USER_CHARS) {
    throw new RangeError(`by must be a string of 1…${MAX_USER_CHARS} characters`);
  }
  checkDate(d.at, "at");
  if (d.undoUntil !== undefined) {
    checkDate(d.undoUntil, "undoUntil");
    if (d.undoUntil.getTime() < d.at.getTime()) {
      throw new RangeError("undoUntil must not be before at");
    }
  }
  if (d.text !== undefined && (typeof d.text !== "string" || d.text.length > MAX_TEXT_CHARS)) {
    throw new RangeError(`text must be a string of at most ${MAX_TEXT_CHARS} characters`);
  }
  if (
    d.reason !== undefined && (typeof d.reason !== "string" || d.reason.length > MAX_REASON_CHARS)
  ) {
    throw new RangeError(`reason must be a string of at most ${MAX_REASON_CHARS} characters`);
  }
}

/**
 * Checks a scan's limit.
 * @param limit most rows (1–10000)
 * @returns the limit
 * @throws {TypeError} when out of range
 */
export function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) {
    throw new TypeError("limit must be an integer in 1…10000");
  }
  return limit;
}
