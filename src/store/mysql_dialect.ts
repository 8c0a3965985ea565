/**
 * The MySQL/MariaDB side of the shared SQL: the dialect's spellings and the
 * runner over a `mysql2` pool or connection.
 * @module
 */
import type { ResultSetHeader } from "mysql2/promise";
import { isAlreadyApplied } from "./mysql_errors.ts";
import type { SqlDialect, SqlRunner } from "./sql_runner.ts";
import type { SqlRow } from "./sql_values.ts";

/** MySQL's spellings of what differs between the dialects. */
export const MYSQL_DIALECT: SqlDialect = {
  name: "mysql",
  lockRows: " FOR UPDATE",
  insertIgnore: "INSERT IGNORE",
  alreadyApplied: isAlreadyApplied,
  // LAST_INSERT_ID(expr) hands the new head back in the UPDATE's OK packet.
  takeSeq: (tx) => tx.runForId("UPDATE ws_meta SET head = LAST_INSERT_ID(head + 1) WHERE id = 1"),
  upsertAnnouncement: {
    pending_seq: "INSERT INTO ws_announcements (response_id, pending_seq) VALUES (?, ?) " +
      "ON DUPLICATE KEY UPDATE pending_seq = VALUES(pending_seq), decision_seq = NULL",
    decision_seq: "INSERT INTO ws_announcements (response_id, decision_seq) VALUES (?, ?) " +
      "ON DUPLICATE KEY UPDATE decision_seq = VALUES(decision_seq)",
  },
  // Assignments run left to right: once `holder` is settled, `until_at`
  // follows it (it changes exactly when the caller now holds the row).
  upsertClaim: "INSERT INTO ws_claims (response_id, holder, until_at) VALUES (?, ?, ?) " +
    "ON DUPLICATE KEY UPDATE " +
    "holder = IF(holder = VALUES(holder) OR until_at <= ?, VALUES(holder), holder), " +
    "until_at = IF(holder = VALUES(holder), VALUES(until_at), until_at)",
  upsertPresence: "INSERT INTO ws_presence (process_id, users, heartbeat_at) VALUES (?, ?, ?) " +
    "ON DUPLICATE KEY UPDATE users = VALUES(users), heartbeat_at = VALUES(heartbeat_at)",
};

/**
 * Anything that runs a query: the pool, or one connection in a transaction
 * (mysql2's `Pool` and `Connection` fit). Declared here rather than picked from
 * mysql2's types so the store's exports name no type of the driver.
 */
export interface Queryable {
  /**
   * Runs one statement with `?` placeholders.
   * @param sql the statement, or it with a per-statement timeout (ms)
   * @param values the placeholders' values
   * @returns the rows (or the result header) first, the fields second
   */
  query(
    sql: string | { sql: string; timeout?: number },
    values?: unknown[],
  ): Promise<[unknown, unknown]>;
}

/**
 * A runner over a pool or a connection.
 * @param q the pool or connection
 * @returns the runner
 */
export function runnerOn(q: Queryable): SqlRunner {
  return {
    all: async (sql, params = []) => (await q.query(sql, params as unknown[]))[0] as SqlRow[],
    run: async (sql, params = []) =>
      ((await q.query(sql, params as unknown[]))[0] as ResultSetHeader).affectedRows,
    runForId: async (sql, params = []) =>
      Number(((await q.query(sql, params as unknown[]))[0] as ResultSetHeader).insertId),
  };
}
