/**
 * The read behind `GET /api/history` and the presence rows, written once
 * for both dialects. History pages by keyset on (`decided_at`, `id`),
 * newest first, never by OFFSET, so a page costs the same however deep it
 * is; the indexes of migration 2 (`responses_decided`,
 * `responses_status_decided`, `responses_by_decided`) serve the order with
 * and without the status and decider filters.
 * @module
 */
import type { HistoryQuery } from "./history_store.ts";
import type { PresenceRow } from "./presence_store.ts";
import type { ResponseRow } from "./rows.ts";
import { searchCondition } from "./sql_search.ts";
import type { SqlDialect, SqlRunner } from "./sql_runner.ts";
import {
  fromDbTime,
  RESPONSE_COLUMNS,
  type SqlParam,
  toDbTime,
  toResponseRow,
} from "./sql_values.ts";

/**
 * Decided responses, newest decision first.
 * @param r a runner
 * @param dialect the database's spellings (search folds case differently)
 * @param h the query, already checked
 * @param prefix put before the statement (MariaDB's `SET STATEMENT … FOR`)
 * @returns at most `h.limit` rows
 */
export async function readHistory(
  r: SqlRunner,
  dialect: SqlDialect,
  h: HistoryQuery,
  prefix = "",
): Promise<ResponseRow[]> {
  const where = ["status IN ('approved', 'rejected')", "decided_at IS NOT NULL"];
  const params: SqlParam[] = [];
  if (h.status !== undefined) {
    where.push("status = ?");
    params.push(h.status);
  }
  if (h.platform !== undefined) {
    where.push("platform = ?");
    params.push(h.platform);
  }
  if (h.by !== undefined) {
    where.push("decided_by = ?");
    params.push(h.by);
  }
  if (h.q !== undefined && h.q !== "") {
    const search = searchCondition(dialect, h.q);
    where.push(search.sql);
    params.push(...search.params);
  }
  if (h.from !== undefined) {
    where.push("decided_at >= ?");
    params.push(toDbTime(h.from));
  }
  if (h.to !== undefined) {
    where.push("decided_at < ?");
    params.push(toDbTime(h.to));
  }
  if (h.publication !== undefined) {
    // v1.2: approvals whose publication is in this state (ws_publications_due serves it).
    where.push("id IN (SELECT response_id FROM ws_publications WHERE state = ?)");
    params.push(h.publication);
  }
  if (h.after !== undefined) {
    const at = toDbTime(h.after.decidedAt);
    // `decided_at <= ?` alone is the index range; the OR only trims the tie.
    where.push("decided_at <= ? AND (decided_at < ? OR id < ?)");
    params.push(at, at, h.after.id);
  }
  params.push(h.limit);
  const rows = await r.all(
    `${prefix}SELECT ${RESPONSE_COLUMNS} FROM responses WHERE ${where.join(" AND ")} ` +
      "ORDER BY decided_at DESC, id DESC LIMIT ?",
    params,
  );
  return rows.map(toResponseRow);
}

/**
 * Upserts one process's presence row.
 * @param r a runner
 * @param dialect the database's spellings
 * @param row the row
 */
export async function writePresence(
  r: SqlRunner,
  dialect: SqlDialect,
  row: PresenceRow,
): Promise<void> {
  await r.run(dialect.upsertPresence, [row.processId, row.users, toDbTime(row.heartbeatAt)]);
}

/**
 * Moves one process's heartbeat on, its report untouched.
 * @param r a runner
 * @param processId the process
 * @param heartbeatAt the new heartbeat
 * @returns whether the process had a row
 */
export async function touchPresenceRow(
  r: SqlRunner,
  processId: string,
  heartbeatAt: Date,
): Promise<boolean> {
  const n = await r.run("UPDATE ws_presence SET heartbeat_at = ? WHERE process_id = ?", [
    toDbTime(heartbeatAt),
    processId,
  ]);
  return n > 0;
}

/**
 * The presence rows with a heartbeat at or after `since`, but one process's.
 * @param r a runner
 * @param since the oldest heartbeat that counts
 * @param except the process whose row is left out ("" for none)
 * @returns the rows
 */
export async function readPresenceRows(
  r: SqlRunner,
  since: Date,
  except: string,
): Promise<PresenceRow[]> {
  const rows = await r.all(
    "SELECT process_id, users, heartbeat_at FROM ws_presence " +
      "WHERE heartbeat_at >= ? AND process_id <> ?",
    [toDbTime(since), except],
  );
  return rows.map((row) => ({
    processId: String(row.process_id),
    users: String(row.users),
    heartbeatAt: fromDbTime(row.heartbeat_at),
  }));
}

/**
 * Deletes presence rows older than `before`, and one process's row.
 * @param r a runner
 * @param before the oldest heartbeat kept
 * @param processId a process whose row goes too (on shutdown)
 * @returns how many rows were deleted
 */
export function deletePresence(r: SqlRunner, before: Date, processId?: string): Promise<number> {
  return r.run("DELETE FROM ws_presence WHERE heartbeat_at < ? OR process_id = ?", [
    toDbTime(before),
    processId ?? "",
  ]);
}
