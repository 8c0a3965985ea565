/**
 * The databases every integration suite runs against: the embedded SQLite
 * default and real MariaDB. Each backend makes a fresh database per server
 * group and knows the environment that points a server at it.
 * @module
 */
import { mysqlDb, sqliteDb, type TestDb } from "../_support/db.ts";
import { freshMysqlDatabase, freshSqlitePath, MYSQL_UP, TEST_MYSQL } from "../_support/services.ts";

/** One fresh database and the server environment that uses it. */
export interface Backend {
  readonly env: Record<string, string>;
  /** Opens direct access (call after a server created the schema). */
  open(): Promise<TestDb>;
  /** Removes the database. */
  dispose(): Promise<void>;
}

/** A kind of backend. */
export interface BackendKind {
  readonly name: "sqlite" | "mariadb";
  /** False when the service is missing (and not required): tests are ignored. */
  readonly available: boolean;
  create(): Promise<Backend>;
}

/** The embedded SQLite default. */
export const SQLITE: BackendKind = {
  name: "sqlite",
  available: true,
  async create() {
    const file = await freshSqlitePath();
    return {
      env: { SQLITE_PATH: file.path },
      open: () => Promise.resolve(sqliteDb(file.path)),
      dispose: file.remove,
    };
  },
};

/** Real MariaDB on 127.0.0.1. */
export const MARIADB: BackendKind = {
  name: "mariadb",
  available: MYSQL_UP,
  create() {
    const db = freshMysqlDatabase("wsint");
    return Promise.resolve({
      env: {
        MYSQL_HOST: TEST_MYSQL.host,
        MYSQL_PORT: String(TEST_MYSQL.port),
        MYSQL_USER: TEST_MYSQL.user,
        MYSQL_PASSWORD: TEST_MYSQL.password,
        MYSQL_DB: db.name,
      },
      open: () => mysqlDb(db.name),
      dispose: db.drop,
    });
  },
};

/** Both backends. */
export const BACKENDS: readonly BackendKind[] = [SQLITE, MARIADB];
