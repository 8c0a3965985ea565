/**
 * SQLite's spellings of what differs between the dialects (the shared SQL
 * is in `sql_*.ts`), used by the store and by its history worker.
 * @module
 */
import type { SqlDialect } from "./sql_runner.ts";

/** SQLite's spellings of what differs between the dialects. */
export const SQLITE_DIALECT: SqlDialect = {
  name: "sqlite",
  lockRows: "", // BEGIN IMMEDIATE already excludes every other writer
  insertIgnore: "INSERT OR IGNORE",
  alreadyApplied: () => false,
  takeSeq: async (tx) => {
    const [row] = await tx.all("UPDATE ws_meta SET head = head + 1 WHERE id = 1 RETURNING head");
    return row === undefined ? 0 : Number(row.head);
  },
  upsertAnnouncement: {
    pending_seq: "INSERT INTO ws_announcements (response_id, pending_seq) VALUES (?, ?) " +
      "ON CONFLICT (response_id) DO UPDATE SET pending_seq = excluded.pending_seq, decision_seq = NULL",
    decision_seq: "INSERT INTO ws_announcements (response_id, decision_seq) VALUES (?, ?) " +
      "ON CONFLICT (response_id) DO UPDATE SET decision_seq = excluded.decision_seq",
  },
  upsertClaim: "INSERT INTO ws_claims (response_id, holder, until_at) VALUES (?, ?, ?) " +
    "ON CONFLICT (response_id) DO UPDATE SET holder = excluded.holder, until_at = excluded.until_at " +
    "WHERE ws_claims.holder = excluded.holder OR ws_claims.until_at <= ?",
  upsertPresence: "INSERT INTO ws_presence (process_id, users, heartbeat_at) VALUES (?, ?, ?) " +
    "ON CONFLICT (process_id) DO UPDATE SET users = excluded.users, heartbeat_at = excluded.heartbeat_at",
};
