/**
 * `ws_revocations` (v1.2, PROTOCOL.md §5 "People"): one row per revoked
 * user, the moment from which their earlier tokens are refused. No token is
 * stored. A second revocation of a user moves the moment later, never
 * earlier (one upsert that keeps the greater time), so two admins revoking
 * at once, or a process with a slower clock, cannot shorten a revocation.
 * @module
 */
import type { SqlDialect, SqlRunner } from "./sql_runner.ts";
import { fromDbTime, toDbTime } from "./sql_values.ts";

/** A stored revocation. */
export interface RevocationRow {
  /** The user (`sub`), as the token names it (case-sensitive). */
  readonly user: string;
  /** Tokens of the user issued at or before this moment are refused. */
  readonly revokedAt: Date;
}

/** The longest user name stored (`sub` is at most 255 characters). */
export const MAX_REVOKED_USER_LENGTH = 255;

/** The table, for `schema.ts` (migration 15). */
export const REVOCATIONS_TABLE = {
  // utf8mb4_bin: `sub` compares byte for byte, as tokens do ("Alice" is not "alice").
  mysql: `CREATE TABLE IF NOT EXISTS ws_revocations (
        user_name  VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PRIMARY KEY,
        revoked_at DATETIME(3)  NOT NULL,
        INDEX ws_revocations_at (revoked_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  sqlite: [
    `CREATE TABLE IF NOT EXISTS ws_revocations (
        user_name  TEXT PRIMARY KEY,
        revoked_at TEXT NOT NULL
      )`,
    "CREATE INDEX IF NOT EXISTS ws_revocations_at ON ws_revocations (revoked_at)",
  ],
} as const;

const UPSERT = {
  mysql: "INSERT INTO ws_revocations (user_name, revoked_at) VALUES (?, ?) " +
    "ON DUPLICATE KEY UPDATE revoked_at = GREATEST(revoked_at, VALUES(revoked_at))",
  sqlite: "INSERT INTO ws_revocations (user_name, revoked_at) VALUES (?, ?) " +
    "ON CONFLICT (user_name) DO UPDATE SET revoked_at = MAX(revoked_at, excluded.revoked_at)",
} as const;

/**
 * Checks a revocation before it is written.
 * @param user the user
 * @param at the moment
 * @throws {TypeError} on an empty or too long user, or an invalid time
 */
export function checkRevocation(user: string, at: Date): void {
  if (typeof user !== "string" || user.length === 0 || user.length > MAX_REVOKED_USER_LENGTH) {
    throw new TypeError(`a revoked user is 1–${MAX_REVOKED_USER_LENGTH} characters`);
  }
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
    throw new TypeError("a revocation needs a valid time");
  }
}

/**
 * Revokes a user at a moment (keeping a later stored moment), and reads back what is stored.
 * @param r a runner (the whole is idempotent, so a retry is harmless)
 * @param dialect which database
 * @param user the user
 * @param at the moment
 * @returns the stored moment (`at`, or a later one already stored)
 */
export async function writeRevocation(
  r: SqlRunner,
  dialect: SqlDialect,
  user: string,
  at: Date,
): Promise<Date> {
  checkRevocation(user, at);
  await r.run(UPSERT[dialect.name], [user, toDbTime(at)]);
  const [row] = await r.all("SELECT revoked_at FROM ws_revocations WHERE user_name = ?", [user]);
  if (row === undefined) throw new Error(`revocation of ${user} left no row`);
  return fromDbTime(row.revoked_at);
}

/**
 * The revocations at or after a moment (all of them with `null`).
 * @param r a runner
 * @param since the earliest moment wanted, or null for every row
 * @returns the rows, oldest first
 */
export async function readRevocationRows(
  r: SqlRunner,
  since: Date | null,
): Promise<RevocationRow[]> {
  const rows = since === null
    ? await r.all("SELECT user_name, revoked_at FROM ws_revocations ORDER BY revoked_at")
    : await r.all(
      "SELECT user_name, revoked_at FROM ws_revocations WHERE revoked_at >= ? ORDER BY revoked_at",
      [toDbTime(since)],
    );
  return rows.map((row) => ({
    user: String(row.user_name),
    revokedAt: fromDbTime(row.revoked_at),
  }));
}
