/**
 * Classification of `mysql2` errors: which mean the database does not answer
 * (→ `StoreUnavailableError`), which are lock conflicts worth retrying, and
 * which mean a migration step was already applied.
 * @module
 */
import { StoreUnavailableError } from "./store.ts";

interface DriverError {
  readonly code?: unknown;
  readonly errno?: unknown;
  readonly fatal?: unknown;
  readonly message?: unknown;
}

/** Codes of failures of the connection rather than of the statement. */
const CONNECTION_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "PROTOCOL_ENQUEUE_AFTER_QUIT",
  "PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR",
  "PROTOCOL_ENQUEUE_HANDSHAKE_TWICE",
  "ER_CON_COUNT_ERROR",
  "ER_TOO_MANY_USER_CONNECTIONS",
  "ER_SERVER_SHUTDOWN",
  "ER_CONNECTION_KILLED",
  "ER_NET_READ_ERROR",
  "ER_NET_READ_INTERRUPTED",
  "ER_NET_ERROR_ON_WRITE",
  "ER_NET_WRITE_INTERRUPTED",
  "ER_CLIENT_INTERACTION_TIMEOUT",
]);

/** Messages of `mysql2` errors that carry no code. */
const CONNECTION_MESSAGES = /Pool is closed|closed state|Connection lost|connect ETIMEDOUT/i;

/**
 * Whether an error means the database does not answer (refused, lost,
 * timed out, killed, too many connections, pool closed).
 * @param e the error
 */
export function isConnectionError(e: unknown): boolean {
  if (e instanceof StoreUnavailableError) return true;
  const d = e as DriverError | null;
  if (d === null || typeof d !== "object") return false;
  if (typeof d.code === "string" && CONNECTION_CODES.has(d.code)) return true;
  if (d.fatal === true) return true;
  return typeof d.message === "string" && CONNECTION_MESSAGES.test(d.message);
}

/**
 * Whether a transaction failed on a lock conflict and may simply be run again.
 * @param e the error
 */
export function isLockConflict(e: unknown): boolean {
  const code = (e as DriverError | null)?.code;
  return code === "ER_LOCK_DEADLOCK" || code === "ER_LOCK_WAIT_TIMEOUT";
}

/**
 * (issue 13) Whether a statement was ended by the database's own time limit
 * (MariaDB's `max_statement_time`, MySQL's `max_execution_time`).
 * @param e the error
 */
export function isStatementTimeout(e: unknown): boolean {
  const err = e as DriverError | null;
  return err?.code === "ER_STATEMENT_TIMEOUT" || err?.code === "ER_QUERY_TIMEOUT" ||
    /max_statement_time|maximum statement execution time/i.test(String(err?.message ?? ""));
}

/**
 * (issue 13) Whether mysql2 refused to queue for a pooled connection (its `queueLimit`).
 * @param e the error
 */
export function isQueueFull(e: unknown): boolean {
  return /queue limit reached/i.test(String((e as DriverError | null)?.message ?? ""));
}

/**
 * Whether a migration statement failed because its work is already done
 * (duplicate index name, duplicate column).
 * @param e the error
 */
export function isAlreadyApplied(e: unknown): boolean {
  const code = (e as DriverError | null)?.code;
  return code === "ER_DUP_KEYNAME" || code === "ER_DUP_FIELDNAME";
}

/**
 * Whether `CREATE DATABASE` was refused for lack of privilege.
 * @param e the error
 */
export function isAccessDenied(e: unknown): boolean {
  const code = (e as DriverError | null)?.code;
  return code === "ER_DBACCESS_DENIED_ERROR" || code === "ER_ACCESS_DENIED_ERROR" ||
    code === "ER_SPECIFIC_ACCESS_DENIED_ERROR";
}

/**
 * Turns connection-level failures into `StoreUnavailableError`; other errors pass.
 * @param e the error
 * @param what the operation, for the message
 * @returns the error to throw
 */
export function mapMysqlError(e: unknown, what: string): unknown {
  if (e instanceof StoreUnavailableError || !isConnectionError(e)) return e;
  const code = (e as DriverError).code;
  const detail = code ?? (e as DriverError).message;
  // mysql2's per-query timeout and its connectTimeout: the database did not answer in time.
  const timedOut = code === "PROTOCOL_SEQUENCE_TIMEOUT" || code === "ETIMEDOUT";
  return new StoreUnavailableError(
    `MySQL ${what}: ${String(detail)}${timedOut ? " (no answer within DB_TIMEOUT_MS)" : ""}`,
    { cause: e },
  );
}
