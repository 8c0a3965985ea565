/**
 * The schema, as a numbered list of migrations for both dialects, and the
 * one function that applies them. `responses` is exactly PROTOCOL.md §6;
 * the server's own tables are named `ws_*`. Every statement is idempotent
 * (`IF NOT EXISTS`, or an error the dialect recognises as "already
 * applied"), and callers run `migrate` under a lock (GET_LOCK on MySQL,
 * BEGIN IMMEDIATE on SQLite), so two processes may start at once.
 * @module
 */
import type { SqlDialect, SqlRunner } from "./sql_runner.ts";
import { NODES_TABLE } from "./sql_nodes.ts";
import { REVOCATIONS_TABLE } from "./sql_revocations.ts";
import { SQLITE_SEARCH_INDEX } from "./sql_search.ts";
import { PUBLICATION_TABLES } from "./sql_publication_schema.ts";
import { toDbTime } from "./sql_values.ts";

/** One step of the schema. */
export interface Migration {
  /** The schema version this step brings the database to. */
  readonly version: number;
  /** What the step changes, for the log. */
  readonly description: string;
  /** Its statements for MySQL/MariaDB. */
  readonly mysql: readonly string[];
  /** Its statements for SQLite. */
  readonly sqlite: readonly string[];
}

const INNODB = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci";

/** The migrations, in order; append new ones, never edit applied ones. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "responses (PROTOCOL.md §6), ws_meta, ws_events, ws_announcements",
    mysql: [
      `CREATE TABLE IF NOT EXISTS responses (
        id            BIGINT PRIMARY KEY AUTO_INCREMENT,
        platform      VARCHAR(16)   NOT NULL,
        post_url      VARCHAR(512)  NOT NULL,
        post_text     TEXT          NULL,
        author        VARCHAR(255)  NULL,
        response_text TEXT          NOT NULL,
        status        VARCHAR(16)   NOT NULL DEFAULT 'pending',
        created_at    DATETIME(3)   NOT NULL,
        decided_at    DATETIME(3)   NULL,
        decided_by    VARCHAR(255)  NULL,
        reason        VARCHAR(1024) NULL
      ) ${INNODB}`,
      // MySQL has no CREATE INDEX IF NOT EXISTS: a duplicate name is "already applied".
      "CREATE INDEX responses_status_created ON responses (status, created_at, id)",
      `CREATE TABLE IF NOT EXISTS ws_meta (
        id    TINYINT PRIMARY KEY,
        epoch CHAR(36) NOT NULL,
        head  BIGINT   NOT NULL DEFAULT 0
      ) ${INNODB}`,
      `CREATE TABLE IF NOT EXISTS ws_events (
        seq         BIGINT PRIMARY KEY,
        kind        VARCHAR(16) NOT NULL,
        response_id BIGINT      NOT NULL,
        frame       MEDIUMTEXT  NOT NULL,
        created_at  DATETIME(3) NOT NULL,
        INDEX ws_events_created (created_at)
      ) ${INNODB}`,
      `CREATE TABLE IF NOT EXISTS ws_announcements (
        response_id  BIGINT PRIMARY KEY,
        pending_seq  BIGINT NULL,
        decision_seq BIGINT NULL
      ) ${INNODB}`,
    ],
    sqlite: [
      `CREATE TABLE IF NOT EXISTS responses (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        platform      VARCHAR(16)   NOT NULL,
        post_url      VARCHAR(512)  NOT NULL,
        post_text     TEXT          NULL,
        author        VARCHAR(255)  NULL,
        response_text TEXT          NOT NULL,
        status        VARCHAR(16)   NOT NULL DEFAULT 'pending',
        created_at    TEXT          NOT NULL,
        decided_at    TEXT          NULL,
        decided_by    VARCHAR(255)  NULL,
        reason        VARCHAR(1024) NULL
      )`,
      "CREATE INDEX IF NOT EXISTS responses_status_created ON responses (status, created_at, id)",
      `CREATE TABLE IF NOT EXISTS ws_meta (
        id    INTEGER PRIMARY KEY CHECK (id = 1),
        epoch TEXT    NOT NULL,
        head  INTEGER NOT NULL DEFAULT 0
      )`,
      `CREATE TABLE IF NOT EXISTS ws_events (
        seq         INTEGER PRIMARY KEY,
        kind        VARCHAR(16) NOT NULL,
        response_id INTEGER     NOT NULL,
        frame       TEXT        NOT NULL,
        created_at  TEXT        NOT NULL
      )`,
      "CREATE INDEX IF NOT EXISTS ws_events_created ON ws_events (created_at)",
      `CREATE TABLE IF NOT EXISTS ws_announcements (
        response_id  INTEGER PRIMARY KEY,
        pending_seq  INTEGER NULL,
        decision_seq INTEGER NULL
      )`,
    ],
  },
  {
    version: 2,
    description:
      "v1.1: ws_claims (one row per claimed response), ws_presence (one row per process), " +
      "indexes on responses for GET /api/history",
    mysql: [
      `CREATE TABLE IF NOT EXISTS ws_claims (
        response_id BIGINT       PRIMARY KEY,
        holder      VARCHAR(255) NOT NULL,
        until_at    DATETIME(3)  NOT NULL
      ) ${INNODB}`,
      `CREATE TABLE IF NOT EXISTS ws_presence (
        process_id   CHAR(36)    PRIMARY KEY,
        users        MEDIUMTEXT  NOT NULL,
        heartbeat_at DATETIME(3) NOT NULL
      ) ${INNODB}`,
      // History: newest decision first, alone or by status or by decider, keyset-paged.
      "CREATE INDEX responses_decided ON responses (decided_at, id)",
      "CREATE INDEX responses_status_decided ON responses (status, decided_at, id)",
      "CREATE INDEX responses_by_decided ON responses (decided_by, decided_at, id)",
    ],
    sqlite: [
      `CREATE TABLE IF NOT EXISTS ws_claims (
        response_id INTEGER PRIMARY KEY,
        holder      TEXT    NOT NULL,
        until_at    TEXT    NOT NULL
      )`,
      `CREATE TABLE IF NOT EXISTS ws_presence (
        process_id   TEXT PRIMARY KEY,
        users        TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL
      )`,
      "CREATE INDEX IF NOT EXISTS responses_decided ON responses (decided_at, id)",
      "CREATE INDEX IF NOT EXISTS responses_status_decided ON responses (status, decided_at, id)",
      "CREATE INDEX IF NOT EXISTS responses_by_decided ON responses (decided_by, decided_at, id)",
    ],
  },
  {
    // Numbered 9 (issue 9), not 2, so migrations added meanwhile by other work keep their
    // numbers: versions are applied by set membership, in list order.
    version: 9,
    description: "ws_nodes: each server process's published figures (dashboard, /stats)",
    mysql: [NODES_TABLE.mysql],
    sqlite: [...NODES_TABLE.sqlite],
  },
  {
    // Numbered 15 (issue 15), as 9 is: other work's migrations keep their numbers.
    version: 15,
    description:
      "v1.2: ws_revocations (one row per revoked user: from when their tokens are refused)",
    mysql: [REVOCATIONS_TABLE.mysql],
    sqlite: [...REVOCATIONS_TABLE.sqlite],
  },
  {
    // Numbered 1301 (issue 13, first step) so no other work's number is taken.
    version: 1301,
    description: "v1.2 claims: the seq of each claim's last event, live claims by holder " +
      "(CLAIM_MAX_PER_USER)",
    mysql: [
      "ALTER TABLE ws_claims ADD COLUMN seq BIGINT NULL",
      "CREATE INDEX ws_claims_holder ON ws_claims (holder, until_at)",
    ],
    sqlite: [
      "ALTER TABLE ws_claims ADD COLUMN seq INTEGER NULL",
      "CREATE INDEX IF NOT EXISTS ws_claims_holder ON ws_claims (holder, until_at)",
    ],
  },
  {
    version: 1302,
    description: "history search: on SQLite an FTS5 trigram index of the searched columns, " +
      "kept by triggers (MariaDB searches with LIKE, bounded: see sql_search.ts)",
    mysql: [],
    sqlite: SQLITE_SEARCH_INDEX,
  },
  {
    // Numbered 14 (issue 14), like 9: other work's migrations keep their numbers.
    version: 14,
    description: "v1.2: ws_publications (undo window, publication queue), ws_publication_attempts",
    mysql: [...PUBLICATION_TABLES.mysql],
    sqlite: [...PUBLICATION_TABLES.sqlite],
  },
];

/**
 * Applies the missing migrations and creates the log's single `ws_meta` row
 * (with a fresh epoch) if it is missing. The caller holds the migration lock.
 * @param r a runner on one connection
 * @param dialect the database's spellings
 * @returns the log's epoch
 */
export async function migrate(r: SqlRunner, dialect: SqlDialect): Promise<string> {
  const dt = dialect.name === "mysql" ? "DATETIME(3)" : "TEXT";
  await r.run(
    `CREATE TABLE IF NOT EXISTS ws_schema_version (version INTEGER PRIMARY KEY, applied_at ${dt} NOT NULL)`,
  );
  const applied = new Set(
    (await r.all("SELECT version FROM ws_schema_version")).map((row) => Number(row.version)),
  );
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    for (const sql of m[dialect.name]) {
      try {
        await r.run(sql);
      } catch (e) {
        if (!dialect.alreadyApplied(e)) throw e;
      }
    }
    await r.run(
      `${dialect.insertIgnore} INTO ws_schema_version (version, applied_at) VALUES (?, ?)`,
      [
        m.version,
        toDbTime(new Date()),
      ],
    );
  }
  await r.run(`${dialect.insertIgnore} INTO ws_meta (id, epoch, head) VALUES (1, ?, 0)`, [
    crypto.randomUUID(),
  ]);
  const [meta] = await r.all("SELECT epoch FROM ws_meta WHERE id = 1");
  if (meta === undefined) throw new Error("ws_meta has no row 1 right after inserting it");
  return String(meta.epoch);
}
