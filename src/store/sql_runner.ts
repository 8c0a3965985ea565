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
}

/** What differs between MySQL/MariaDB and SQLite in the shared SQL. */
export interface SqlDialect {
  readonly name: "mysql" | "sqlite";
  /** Appended to a SELECT to lock the rows it reads until commit (`""` where the transaction already excludes writers). */
  readonly lockRows: string;
  /** `INSERT` that skips a row whose key exists. */
  readonly insertIgnore: string;
  /** Whether a migration statement's error means "already done" (e.g. a duplicate index name). */
  readonly alreadyApplied: (error: unknown) => boolean;
}
