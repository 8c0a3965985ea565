/**
 * The store's single-statement reads and writes, written once for both
 * dialects; the callers add connections, retries and timing.
 * @module
 */
import { asSeq, type ResponseId, type Seq } from "../protocol/types.ts";
import type { AnnouncementState, PendingStats } from "./response_store.ts";
import type { ResponseRow, StoredEvent } from "./rows.ts";
import type { SqlRunner } from "./sql_runner.ts";
import {
  EVENT_COLUMNS,
  fromDbTime,
  RESPONSE_COLUMNS,
  seqOrNull,
  type SqlRow,
  toDbTime,
  toResponseRow,
  toStoredEvent,
} from "./sql_values.ts";

/**
 * Reads the log's head.
 * @throws {Error} when `ws_meta` has no row
 */
export async function readHead(r: SqlRunner): Promise<Seq> {
  const [meta] = await r.all("SELECT head FROM ws_meta WHERE id = 1");
  if (meta === undefined) throw new Error("ws_meta has no row: the store was not initialised");
  return asSeq(Number(meta.head));
}

/** Reads one response row, or `null`. */
export async function readResponse(r: SqlRunner, id: ResponseId): Promise<ResponseRow | null> {
  const [row] = await r.all(`SELECT ${RESPONSE_COLUMNS} FROM responses WHERE id = ?`, [id]);
  return row === undefined ? null : toResponseRow(row);
}

/** Reads every pending row, ordered by `created_at` then `id`. */
export async function readPending(r: SqlRunner): Promise<ResponseRow[]> {
  const rows = await r.all(
    `SELECT ${RESPONSE_COLUMNS} FROM responses WHERE status = 'pending' ORDER BY created_at, id`,
  );
  return rows.map(toResponseRow);
}

/** Stores post text where the row has none yet. */
export async function writePostText(r: SqlRunner, id: ResponseId, text: string): Promise<void> {
  await r.run(
    "UPDATE responses SET post_text = ? WHERE id = ? AND (post_text IS NULL OR post_text = '')",
    [text, id],
  );
}

/**
 * The `seq` that announced a `ws_announcements` row's current pending state:
 * its `pending_seq` (a `pending` or `reopened` event) unless a decision came
 * after it (`decision_seq`): a row another module put back to pending after
 * its decision was not announced again.
 */
function currentAnnouncement(row: SqlRow | undefined): Seq | null {
  return seqOrNull(row?.decision_seq) === null ? seqOrNull(row?.pending_seq) : null;
}

/** The `seq` of the event that announced a response's current pending state, or `null`. */
export async function readAnnouncement(r: SqlRunner, id: ResponseId): Promise<Seq | null> {
  const [row] = await r.all(
    "SELECT pending_seq, decision_seq FROM ws_announcements WHERE response_id = ?",
    [id],
  );
  return currentAnnouncement(row);
}

/**
 * A response row with its current announcement (`readAnnouncement`), in one
 * statement: what an `SR` reads before it fetches the post's text.
 */
export async function readAnnouncementState(
  r: SqlRunner,
  id: ResponseId,
): Promise<AnnouncementState | null> {
  const [row] = await r.all(
    `SELECT ${RESPONSE_COLUMNS}, a.pending_seq, a.decision_seq FROM responses ` +
      "LEFT JOIN ws_announcements a ON a.response_id = responses.id WHERE responses.id = ?",
    [id],
  );
  return row === undefined ? null : { row: toResponseRow(row), seq: currentAnnouncement(row) };
}

/** The smallest `seq` in the log, or `null`. */
export async function readOldest(r: SqlRunner): Promise<Seq | null> {
  const [row] = await r.all("SELECT MIN(seq) AS oldest FROM ws_events");
  return row === undefined || row.oldest === null ? null : asSeq(Number(row.oldest));
}

/**
 * Events after `after`, ascending, cut before the first hole after the first
 * event. Appends commit in `seq` order and `prune` removes only a prefix, so
 * a hole inside a page could only be a commit not yet visible to this read:
 * what follows it is left for the next read rather than handed out of
 * order. A first event past `after + 1` is returned as is: the log was
 * pruned there (or damaged), and the caller must see the jump, not wait.
 */
export async function readEvents(r: SqlRunner, after: Seq, limit: number): Promise<StoredEvent[]> {
  const rows = await r.all(
    `SELECT ${EVENT_COLUMNS} FROM ws_events WHERE seq > ? ORDER BY seq LIMIT ?`,
    [after, limit],
  );
  const events = rows.map(toStoredEvent);
  // Keep the run without gaps from the first event on.
  let end = 0;
  let next: number | undefined;
  for (const e of events) {
    if (next !== undefined && e.seq !== next) break;
    next = e.seq + 1;
    end++;
  }
  events.length = end;
  return events;
}

/**
 * Deletes events created before `before`, as a prefix of the log: never an
 * event after the first one still young, so pruning leaves no hole.
 * @returns how many were deleted
 */
export async function deleteEventsBefore(r: SqlRunner, before: Date): Promise<number> {
  const cutoff = toDbTime(before);
  const [young] = await r.all(
    "SELECT seq FROM ws_events WHERE created_at >= ? ORDER BY seq LIMIT 1",
    [cutoff],
  );
  return young === undefined
    ? await r.run("DELETE FROM ws_events WHERE created_at < ?", [cutoff])
    : await r.run("DELETE FROM ws_events WHERE seq < ?", [Number(young.seq)]);
}

/**
 * (v1.2) Pending rows that no `pending` event announced, oldest first: an
 * index range on `responses (status, created_at, id)` and a primary-key probe
 * of `ws_announcements` per pending row, so decided rows cost nothing.
 * @param r a runner
 * @param limit most ids returned
 * @returns the ids
 */
export async function readUnannounced(r: SqlRunner, limit: number): Promise<ResponseId[]> {
  const rows = await r.all(
    "SELECT r.id FROM responses r LEFT JOIN ws_announcements a ON a.response_id = r.id " +
      "WHERE r.status = 'pending' AND (a.pending_seq IS NULL OR a.decision_seq IS NOT NULL) " +
      "ORDER BY r.created_at, r.id LIMIT ?",
    [limit],
  );
  return rows.map((row) => Number(row.id) as ResponseId);
}

/**
 * (v1.2) The pending rows' figures: how many, the oldest's creation, and how
 * many were created before a moment (overdue), from the same index.
 * @param r a runner
 * @param overdueBefore rows created before this are overdue
 * @returns the figures
 */
export async function readPendingStats(r: SqlRunner, overdueBefore: Date): Promise<PendingStats> {
  const [row] = await r.all(
    "SELECT COUNT(*) AS n, MIN(created_at) AS oldest, " +
      "COALESCE(SUM(CASE WHEN created_at < ? THEN 1 ELSE 0 END), 0) AS overdue " +
      "FROM responses WHERE status = 'pending'",
    [toDbTime(overdueBefore)],
  );
  const oldest = row?.oldest ?? null;
  return {
    count: Number(row?.n ?? 0),
    oldest: oldest === null ? null : fromDbTime(oldest),
    overdue: Number(row?.overdue ?? 0),
  };
}
