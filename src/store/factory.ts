/**
 * Chooses the store from the configuration: MySQL/MariaDB when `MYSQL_HOST`
 * is set, else the embedded SQLite file.
 * @module
 */
import type { Config } from "../config.ts";
import { MysqlStore } from "./mysql_store.ts";
import { SqliteStore } from "./sqlite_store.ts";
import type { QueryObserver, Store } from "./store.ts";

/**
 * Makes the configured store (not yet initialised: call `init`).
 * @param config the validated configuration
 * @param options `observe` receives each operation's name and duration (s)
 * @returns a `MysqlStore` when `config.mysql` is set, else a `SqliteStore` at `config.sqlitePath`
 */
export function createStore(config: Config, options: { observe?: QueryObserver } = {}): Store {
  // DB_TIMEOUT_MS bounds every MySQL operation and SQLite's wait for another writer's lock.
  return config.mysql
    ? new MysqlStore({ ...config.mysql, timeoutMs: config.dbTimeoutMs, ...options })
    : new SqliteStore({
      path: config.sqlitePath,
      busyTimeoutMs: config.dbTimeoutMs,
      ...options,
    });
}
