/**
 * Start-up failures that never heal by waiting. The server retries a database
 * that does not answer (it may start later), but a path it may not write, a
 * path that is no database, or credentials the database refuses stay wrong:
 * for those the start stops at once (exit code 2), naming the variable, rather
 * than answering 503 "waiting for the database" forever (PROTOCOL.md §7).
 * @module
 */
import { dirname, resolve } from "node:path";
import { type Config, ConfigError } from "./config.ts";

/** Whether the path names SQLite's in-memory database or a `file:` URI (no directory to check). */
function isSpecialSqlitePath(path: string): boolean {
  return path === ":memory:" || path.startsWith("file:");
}

/**
 * The `deno run` flag that would let this process write the SQLite file.
 * @param path `SQLITE_PATH`
 * @returns e.g. `--allow-write=/var/lib/hub`
 */
export function writeFlagFor(path: string): string {
  return `--allow-write=${dirname(resolve(path))}`;
}

/**
 * Checks, before anything listens, that the SQLite file can be made where
 * `SQLITE_PATH` says: the process may write its directory (Deno's permission;
 * SQLite writes its `-wal` and `-shm` files beside it), the path is no
 * directory, and no part of its directory is a plain file. MySQL is checked by
 * connecting (see `permanentFailure`).
 * @param config the configuration
 * @throws {ConfigError} naming `SQLITE_PATH`, the reason and the flag to add
 */
export function checkStoreAccess(config: Pick<Config, "mysql" | "sqlitePath">): void {
  if (config.mysql !== null || isSpecialSqlitePath(config.sqlitePath)) return;
  const path = config.sqlitePath;
  const dir = dirname(resolve(path));
  const state = Deno.permissions.querySync({ name: "write", path: dir }).state;
  if (state !== "granted") {
    throw new ConfigError(
      "SQLITE_PATH",
      `'${path}' is in ${dir}, which this process may not write: grant it with ` +
        `${writeFlagFor(path)} (deno task start grants data/ only; run its deno run line ` +
        `with --allow-write=data,${dir}), or set SQLITE_PATH under data/`,
    );
  }
  for (let at = dir;; at = dirname(at)) {
    const info = statOrNull(at);
    if (info !== null) {
      if (!info.isDirectory) {
        throw new ConfigError("SQLITE_PATH", `'${path}': ${at} is not a directory`);
      }
      break;
    }
    if (dirname(at) === at) break;
  }
  if (statOrNull(resolve(path))?.isDirectory) {
    throw new ConfigError("SQLITE_PATH", `'${path}' is a directory, not a database file`);
  }
}

function statOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.statSync(path);
  } catch {
    return null;
  }
}

/** SQLite's messages for a file it will never open as this process's database. */
const SQLITE_PERMANENT =
  /file is not a database|attempt to write a readonly database|access permission denied/i;

/** mysql2 codes for credentials or grants the server refuses. */
const MYSQL_REFUSED: ReadonlySet<string> = new Set([
  "ER_ACCESS_DENIED_ERROR",
  "ER_DBACCESS_DENIED_ERROR",
  "ER_ACCESS_DENIED_NO_PASSWORD_ERROR",
]);

/** The error and its causes, outermost first (at most a few levels). */
function causes(e: unknown): unknown[] {
  const out: unknown[] = [];
  for (let x = e; x !== undefined && x !== null && out.length < 5; x = (x as Error).cause) {
    out.push(x);
    if (typeof x !== "object") break;
  }
  return out;
}

/**
 * Whether a failure of bringing the database up can never heal by retrying,
 * and if so the configuration error to stop with.
 * @param e what `store.init()` (or the start-up around it) threw
 * @param config the configuration (which store, which path)
 * @returns the error naming the variable, or `null` to keep retrying
 */
export function permanentFailure(
  e: unknown,
  config: Pick<Config, "mysql" | "sqlitePath">,
): ConfigError | null {
  for (const x of causes(e)) {
    if (x instanceof ConfigError) return x;
    const message = x instanceof Error ? x.message : String(x);
    if (config.mysql !== null) {
      if (x instanceof Deno.errors.NotCapable) {
        return new ConfigError(
          "MYSQL_HOST",
          `this process may not reach it: ${message.slice(0, 200)}`,
        );
      }
      const code = (x as { code?: unknown } | null)?.code;
      if (typeof code === "string" && MYSQL_REFUSED.has(code)) {
        return new ConfigError(
          "MYSQL_USER",
          `MySQL refused '${config.mysql.user}' on database '${config.mysql.database}' ` +
            `(${code}): check MYSQL_USER, MYSQL_PASSWORD and the user's grants`,
        );
      }
      continue;
    }
    if (
      x instanceof Deno.errors.NotCapable || x instanceof Deno.errors.PermissionDenied ||
      x instanceof Deno.errors.NotADirectory || x instanceof Deno.errors.IsADirectory ||
      SQLITE_PERMANENT.test(message)
    ) {
      const hint = x instanceof Deno.errors.NotCapable
        ? ` (add ${writeFlagFor(config.sqlitePath)})`
        : "";
      return new ConfigError(
        "SQLITE_PATH",
        `'${config.sqlitePath}' cannot be used: ${message.slice(0, 200)}${hint}`,
      );
    }
  }
  return null;
}
