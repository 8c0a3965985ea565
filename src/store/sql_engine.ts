/**
 * What `SqlStore` needs of a database engine, and all that differs between
 * MySQL/MariaDB (`mysql_store.ts`) and SQLite (`sqlite_store.ts`) once the
 * SQL itself is shared (`sql_*.ts`, with the spellings in a `SqlDialect`):
 * connecting, running one operation (timed, its errors mapped), opening a
 * transaction, retrying, deadlines, and where history reads run.
 * @module
 */
import type { HistoryQuery } from "./history_store.ts";
import type { ResponseRow } from "./rows.ts";
import type { SqlDialect, SqlRunner } from "./sql_runner.ts";

/** The kind of a transaction: a writer (excluding other writers), or one consistent read. */
export type TransactionKind = "write" | "snapshot";

/** One database engine under `SqlStore`. */
export interface SqlEngine {
  /** The engine's spellings of the shared SQL; its `name` is the store's `dialect`. */
  readonly dialect: SqlDialect;

  /**
   * Connects (creating what is missing) and migrates, as the operation `init`.
   * @returns the log's epoch
   * @throws {StoreUnavailableError} when the database does not answer
   */
  init(): Promise<string>;

  /**
   * Runs one operation of the store: timed under `name` (`QueryObserver`),
   * with the engine's errors mapped to `StoreUnavailableError` where the
   * database did not answer. `transaction` and `probe` run inside it.
   */
  op<T>(name: string, fn: () => Promise<T>): Promise<T>;

  /**
   * Runs `fn` as one operation outside any transaction: a read, or an
   * idempotent write, so the engine may run it again after a lost connection.
   */
  read<T>(name: string, fn: (r: SqlRunner) => Promise<T>): Promise<T>;

  /**
   * Like `read`, for an idempotent write of a row that is rewritten every
   * second or so and worth nothing after a crash (a process's presence and
   * figures rows): the engine may skip flushing it to disk. Writes through
   * `transaction` keep their durability.
   */
  ephemeral<T>(name: string, fn: (r: SqlRunner) => Promise<T>): Promise<T>;

  /** Inside an operation: a cheap read before a transaction (is anything to do?). */
  probe<T>(name: string, fn: (r: SqlRunner) => Promise<T>): Promise<T>;

  /** Inside an operation: runs `fn` in one transaction, committed when it returns. */
  transaction<T>(kind: TransactionKind, fn: (tx: SqlRunner) => Promise<T>): Promise<T>;

  /** Decided responses, newest first, kept apart from the log's work (a pool or a thread of its own). */
  history(query: HistoryQuery): Promise<ResponseRow[]>;

  /** Closes connections; idempotent. */
  close(): Promise<void>;
}
