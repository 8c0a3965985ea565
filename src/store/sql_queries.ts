/**
 * The store's single-statement reads and writes, written once for both
 * dialects; the callers add connections, retries and timing.
 * @module
 */
import { asSeq, type ResponseId, type Seq } from "../protocol/types.ts";
import type { ResponseRow, StoredEvent } from "./store.ts";
import type { SqlRunner } from "./sql_runner.ts";
import {
  EVENT_COLUMNS,
  RESPONSE_COLUMNS,
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

/** The `seq` of a response's pending event, or `null`. */
export async function readAnnouncement(r: SqlRunner, id: ResponseId): Promise<Seq | null> {
  const [row] = await r.all("SELECT pending_seq FROM ws_announcements WHERE response_id = ?", [id]);
  return row === undefined || row.pending_seq === null ? null : asSeq(Number(row.pending_seq));
}

/** The smallest `seq` in the log, or `null`. */
export async function readOldest(r: SqlRunner): Promise<Seq | null> {
  const [row] = await r.all("SELECT MIN(seq) AS oldest FROM ws_events");
  return row === undefined || row.oldest === null ? null : asSeq(Number(row.oldest));
}

/**
 * Events after `after`, ascending, cut at the first hole. Appends commit in
 * `seq` order, so a hole can only be a commit not yet visible to this read
 * (or a pruned prefix): what follows it is left for the next read rather
 * than handed out of order.
 */
export async function readEvents(r: SqlRunner, after: Seq, limit: number): Promise<StoredEvent[]> {
  const rows = await r.all(
    `SELECT ${EVENT_COLUMNS} FROM ws_events WHERE seq > ? ORDER BY seq LIMIT ?`,
    [after, limit],
  );
  const events = rows.map(toStoredEvent);
  let end = 1;
  while (end < events.length && events[end].seq === events[end - 1].seq + 1) end++;
  events.length = Math.min(end, events.length);
  if (events.length > 0 && events[0].seq > after + 1) {
    // The first event is not the next one: pruned (the caller sees the jump
    // and falls back to a snapshot) or not yet visible (read again later).
    const oldest = await readOldest(r);
    if (oldest !== null && oldest <= after + 1) return [];
  }
  return events;
}

/** Deletes events created before `before`; returns how many. */
export function deleteEventsBefore(r: SqlRunner, before: Date): Promise<number> {
  return r.run("DELETE FROM ws_events WHERE created_at < ?", [toDbTime(before)]);
}
