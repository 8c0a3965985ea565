/**
 * The text search of `GET /api/history` (`q`), per dialect (issue 13, rows
 * H5/M1). Users get the same semantics on both: `q` is found as a
 * case-insensitive substring (Cyrillic included) of `response_text`,
 * `post_text`, `author` or (v1.2) `reason`; `%`, `_` and `"` are
 * characters, never wildcards or syntax.
 *
 * - SQLite: an FTS5 table with the trigram tokenizer (`ws_search`, kept by
 *   triggers on `responses` for decided rows, so rows other modules write
 *   and decide are indexed too):
 *   a `q` of 3 characters or more is a phrase of trigrams, which FTS5 reads
 *   from its index (a no-match search reads no row). A `q` of 1 or 2
 *   characters has no trigram: it is a scan, in SQLite's C rather than a JS
 *   function per cell (`LIKE` for ASCII, one `GLOB` per case variant
 *   otherwise). Either runs off the event loop (`sqlite_history_reader.ts`).
 * - MariaDB: `LIKE` under the columns' `utf8mb4_unicode_ci` collation. Its
 *   FULLTEXT index is word-based (no substrings, a minimum word length,
 *   stopwords), so it would change what users find; the scan is bounded
 *   instead: a pool of its own, a statement time limit, and the route's
 *   per-user limits (`mysql_store.ts`, `src/history/limiter.ts`).
 * @module
 */
import type { SqlDialect } from "./sql_runner.ts";
import type { SqlParam } from "./sql_values.ts";

/** The SQLite function that lowercases all of Unicode (SQLite's own `lower` knows ASCII only). */
export const UNICODE_LOWER = "unicode_lower";

/** The columns `q` searches. */
export const SEARCHED_COLUMNS = ["response_text", "post_text", "author", "reason"] as const;

/** The shortest `q` the trigram index can answer (shorter ones scan). */
export const TRIGRAM_MIN_CHARS = 3;

/**
 * Escapes a search text for `LIKE … ESCAPE '!'` and wraps it in `%`.
 * @param q the text
 * @returns the pattern
 */
export function likePattern(q: string): string {
  return `%${q.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

/**
 * An FTS5 query that matches `q` as one phrase: with the trigram tokenizer,
 * a substring. Double quotes inside are doubled, so nothing is syntax.
 * @param q the text
 * @returns the MATCH argument
 */
export function trigramPhrase(q: string): string {
  return `"${q.replaceAll('"', '""')}"`;
}

/**
 * The WHERE condition (on `responses`) that finds `q`, and its parameters.
 * @param dialect the database
 * @param q the search text (not empty)
 * @returns the condition and its parameters
 */
export function searchCondition(
  dialect: SqlDialect,
  q: string,
): { sql: string; params: SqlParam[] } {
  if (dialect.name === "mysql") {
    const pattern = likePattern(q);
    return {
      sql: `(${SEARCHED_COLUMNS.map((c) => `${c} LIKE ? ESCAPE '!'`).join(" OR ")})`,
      params: SEARCHED_COLUMNS.map(() => pattern),
    };
  }
  if ([...q].length >= TRIGRAM_MIN_CHARS) {
    return {
      sql: "id IN (SELECT rowid FROM ws_search WHERE ws_search MATCH ?)",
      params: [trigramPhrase(q)],
    };
  }
  // SQLite's LIKE folds ASCII case itself; other letters get one GLOB per case variant.
  if ([...q].every((c) => c.charCodeAt(0) < 0x80)) {
    const pattern = likePattern(q);
    return {
      sql: `(${SEARCHED_COLUMNS.map((c) => `${c} LIKE ? ESCAPE '!'`).join(" OR ")})`,
      params: SEARCHED_COLUMNS.map(() => pattern),
    };
  }
  const patterns = caseGlobs(q);
  return {
    sql: `(${SEARCHED_COLUMNS.flatMap((c) => patterns.map(() => `${c} GLOB ?`)).join(" OR ")})`,
    params: SEARCHED_COLUMNS.flatMap(() => patterns),
  };
}

/**
 * `GLOB` patterns that together find `q` anywhere in any case, one per
 * combination of its characters' cases (`пО` → `*по*`, `*пО*`, `*По*`,
 * `*ПО*`), GLOB's own `*`, `?` and `[` matched literally. Plain patterns,
 * since SQLite scans a character class (`[пП]`) some 25 times slower.
 * Meant for the short texts the trigram index cannot answer (at most 2^n).
 * @param q the text
 * @returns the patterns
 */
export function caseGlobs(q: string): string[] {
  let out = ["*"];
  for (const c of q) {
    const forms = new Set(
      [c.toLowerCase(), c.toUpperCase()].filter((f) => [...f].length === 1),
    );
    forms.add(c);
    const literal = [...forms].map((f) => f === "*" || f === "?" || f === "[" ? `[${f}]` : f);
    out = out.flatMap((prefix) => literal.map((f) => prefix + f));
  }
  return out.map((p) => `${p}*`);
}

/** The statuses history shows, and so the rows the search index holds. */
const DECIDED = "('approved', 'rejected')";

const INDEX_NEW_ROW = `INSERT INTO ws_search (rowid, ${SEARCHED_COLUMNS.join(", ")}) ` +
  `SELECT new.id, ${SEARCHED_COLUMNS.map((c) => `new.${c}`).join(", ")} ` +
  `WHERE new.status IN ${DECIDED};`;

/**
 * The SQLite statements of the search index (migration 1302). Only decided
 * rows are indexed (history shows nothing else), so a module inserting
 * pending rows pays nothing for it; a decision, whoever makes it (this
 * server or another module's own `UPDATE`), indexes its row, and a row
 * that goes back to pending leaves the index.
 */
export const SQLITE_SEARCH_INDEX: readonly string[] = [
  "CREATE VIRTUAL TABLE IF NOT EXISTS ws_search USING fts5(" +
  `${SEARCHED_COLUMNS.join(", ")}, tokenize = 'trigram case_sensitive 0')`,
  `CREATE TRIGGER IF NOT EXISTS ws_search_insert AFTER INSERT ON responses
    WHEN new.status IN ${DECIDED} BEGIN
    ${INDEX_NEW_ROW}
  END`,
  `CREATE TRIGGER IF NOT EXISTS ws_search_update
    AFTER UPDATE OF id, status, ${SEARCHED_COLUMNS.join(", ")} ON responses
    WHEN old.status IN ${DECIDED} OR new.status IN ${DECIDED} BEGIN
    DELETE FROM ws_search WHERE rowid = old.id;
    ${INDEX_NEW_ROW}
  END`,
  `CREATE TRIGGER IF NOT EXISTS ws_search_delete AFTER DELETE ON responses
    WHEN old.status IN ${DECIDED} BEGIN
    DELETE FROM ws_search WHERE rowid = old.id;
  END`,
  // The decided rows written before the index existed.
  `INSERT INTO ws_search (rowid, ${SEARCHED_COLUMNS.join(", ")}) ` +
  `SELECT id, ${SEARCHED_COLUMNS.join(", ")} FROM responses WHERE status IN ${DECIDED}`,
];
