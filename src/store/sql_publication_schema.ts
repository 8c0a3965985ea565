/**
 * The tables of v1.2's publication pipeline (PROTOCOL.md §3.4, §6), for
 * migration 14 of `schema.ts`. One `ws_publications` row per decision made
 * under v1.2 (deleted by `UNDO`), one `ws_publication_attempts` row per
 * attempt taken, with its outcome. `due_at` is the one time the scheduler
 * and `TAKE` look at: the end of the undo window while `held`, when an
 * attempt is due while `queued`, the lease's end while `publishing`.
 * @module
 */

const INNODB = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci";

/** The statements that create the pipeline's tables, per dialect. */
export const PUBLICATION_TABLES = {
  mysql: [
    `CREATE TABLE IF NOT EXISTS ws_publications (
      response_id   BIGINT        PRIMARY KEY,
      decision      VARCHAR(16)   NOT NULL,
      state         VARCHAR(16)   NOT NULL,
      platform      VARCHAR(16)   NOT NULL,
      decided_by    VARCHAR(255)  NOT NULL,
      decided_at    DATETIME(3)   NOT NULL,
      undo_until    DATETIME(3)   NOT NULL,
      original_text TEXT          NULL,
      attempt       INT           NOT NULL DEFAULT 0,
      attempts      INT           NOT NULL DEFAULT 0,
      due_at        DATETIME(3)   NULL,
      lease_holder  VARCHAR(255)  NULL,
      lease_until   DATETIME(3)   NULL,
      maybe_applied TINYINT       NOT NULL DEFAULT 0,
      published_at  DATETIME(3)   NULL,
      url           VARCHAR(512)  NULL,
      platform_ref  VARCHAR(128)  NULL,
      last_error    VARCHAR(1024) NULL,
      published_seq BIGINT        NULL,
      INDEX ws_publications_due (state, due_at, response_id),
      INDEX ws_publications_decided (decided_at, response_id)
    ) ${INNODB}`,
    `CREATE TABLE IF NOT EXISTS ws_publication_attempts (
      response_id   BIGINT        NOT NULL,
      attempt       INT           NOT NULL,
      taken_by      VARCHAR(255)  NOT NULL,
      taken_at      DATETIME(3)   NOT NULL,
      lease_until   DATETIME(3)   NOT NULL,
      maybe_applied TINYINT       NOT NULL DEFAULT 0,
      outcome       VARCHAR(16)   NULL,
      reason        VARCHAR(1024) NULL,
      reported_at   DATETIME(3)   NULL,
      PRIMARY KEY (response_id, attempt)
    ) ${INNODB}`,
  ],
  sqlite: [
    `CREATE TABLE IF NOT EXISTS ws_publications (
      response_id   INTEGER PRIMARY KEY,
      decision      TEXT    NOT NULL,
      state         TEXT    NOT NULL,
      platform      TEXT    NOT NULL,
      decided_by    TEXT    NOT NULL,
      decided_at    TEXT    NOT NULL,
      undo_until    TEXT    NOT NULL,
      original_text TEXT    NULL,
      attempt       INTEGER NOT NULL DEFAULT 0,
      attempts      INTEGER NOT NULL DEFAULT 0,
      due_at        TEXT    NULL,
      lease_holder  TEXT    NULL,
      lease_until   TEXT    NULL,
      maybe_applied INTEGER NOT NULL DEFAULT 0,
      published_at  TEXT    NULL,
      url           TEXT    NULL,
      platform_ref  TEXT    NULL,
      last_error    TEXT    NULL,
      published_seq INTEGER NULL
    )`,
    "CREATE INDEX IF NOT EXISTS ws_publications_due ON ws_publications (state, due_at, response_id)",
    "CREATE INDEX IF NOT EXISTS ws_publications_decided ON ws_publications (decided_at, response_id)",
    `CREATE TABLE IF NOT EXISTS ws_publication_attempts (
      response_id   INTEGER NOT NULL,
      attempt       INTEGER NOT NULL,
      taken_by      TEXT    NOT NULL,
      taken_at      TEXT    NOT NULL,
      lease_until   TEXT    NOT NULL,
      maybe_applied INTEGER NOT NULL DEFAULT 0,
      outcome       TEXT    NULL,
      reason        TEXT    NULL,
      reported_at   TEXT    NULL,
      PRIMARY KEY (response_id, attempt)
    )`,
  ],
} as const;
