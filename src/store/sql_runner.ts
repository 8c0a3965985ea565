/**
 * The small seam between the dialect-neutral SQL of the store and the two
 * drivers: a runner executes one statement (inside a transaction or not), a
 * dialect names the few spellings that differ.
 * @module
 */
import type { SqlParam, SqlRow } from "./sql_values.ts";

/** Executes statements on one connection (or a pool, outside transactions). */
export interface SqlRunner {
  /** Runs a query and returns its rows. */
  all(sql: string, params?: readonly SqlParam[]): Promise<SqlRow[]>;
  /** Runs a statement and returns how many rows it changed. */
  run(sql: string, params?: readonly SqlParam[]): Promise<number>;
  /** Runs a statement and returns the id it generated (`LAST_INSERT_ID()`, last rowid), 0 if none. */
  runForId(sql: string, params?: readonly SqlParam[]): Promise<number>;
}

/** What differs between MySQL/MariaDB and SQLite in the shared SQL. */
export interface SqlDialect {
  /** Which database. */
  readonly name: "mysql" | "sqlite";
  /** Appended to a SELECT to lock the rows it reads until commit (`""` where the transaction already excludes writers). */
  readonly lockRows: string;
  /** `INSERT` that skips a row whose key exists. */
  readonly insertIgnore: string;
  /** Whether a migration statement's error means "already done" (e.g. a duplicate index name). */
  readonly alreadyApplied: (error: unknown) => boolean;
  /** Increments `ws_meta.head` (locking its row until commit) and returns it, in one round trip; 0 when the row is missing. */
  readonly takeSeq: (tx: SqlRunner) => Promise<number>;
  /** Upserts a response's `ws_announcements` row: params (response_id, seq); sets pending_seq (clearing decision_seq) or decision_seq. */
  readonly upsertAnnouncement: Readonly<Record<"pending_seq" | "decision_seq", string>>;
  /**
   * Takes or renews a claim in one statement: params (response_id, holder,
   * until, now); an existing row changes only when its holder is the caller
   * or its `until_at` is at or before `now`.
   */
  readonly upsertClaim: string;
  /** Upserts a process's presence row: params (process_id, users, heartbeat_at). */
  readonly upsertPresence: string;
}
