/**
 * The `ws_nodes` table: one row per server process sharing the database,
 * holding the figures it published last (JSON) and when (ms since the
 * epoch). It is how processes see each other's figures while Redis does not
 * answer; rows of processes that stopped age out and are deleted.
 * @module
 */
import type { NodeRow } from "./node_store.ts";
import type { SqlRunner } from "./sql_runner.ts";

/** The `ws_nodes` table, per dialect (migration 9). */
export const NODES_TABLE = {
  mysql: `CREATE TABLE IF NOT EXISTS ws_nodes (
        node       VARCHAR(64) PRIMARY KEY,
        updated_at BIGINT      NOT NULL,
        figures    MEDIUMTEXT  NOT NULL,
        INDEX ws_nodes_updated (updated_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  sqlite: [
    `CREATE TABLE IF NOT EXISTS ws_nodes (
        node       TEXT    PRIMARY KEY,
        updated_at INTEGER NOT NULL,
        figures    TEXT    NOT NULL
      )`,
    "CREATE INDEX IF NOT EXISTS ws_nodes_updated ON ws_nodes (updated_at)",
  ],
} as const;

const UPSERT = {
  mysql: "INSERT INTO ws_nodes (node, updated_at, figures) VALUES (?, ?, ?) " +
    "ON DUPLICATE KEY UPDATE updated_at = VALUES(updated_at), figures = VALUES(figures)",
  sqlite: "INSERT INTO ws_nodes (node, updated_at, figures) VALUES (?, ?, ?) " +
    "ON CONFLICT (node) DO UPDATE SET updated_at = excluded.updated_at, figures = excluded.figures",
} as const;

/**
 * Checks a node row before it is written.
 * @param row the row
 * @throws {TypeError} when a field is not what the table holds
 */
export function checkNodeRow(row: NodeRow): void {
  if (typeof row.node !== "string" || row.node === "" || row.node.length > 64) {
    throw new TypeError("node must be a string of 1–64 characters");
  }
  if (!Number.isSafeInteger(row.updatedAt) || row.updatedAt < 0) {
    throw new TypeError("updatedAt must be a non-negative integer (ms)");
  }
  if (typeof row.figures !== "string") throw new TypeError("figures must be a string");
}

/**
 * Writes (or replaces) one process's row, and deletes rows not updated since
 * `forgetBefore` when given.
 * @param r a runner
 * @param dialect which upsert to use
 * @param row the row
 * @param forgetBefore ms since the epoch, or undefined to delete nothing
 */
export async function writeNodeRow(
  r: SqlRunner,
  dialect: "mysql" | "sqlite",
  row: NodeRow,
  forgetBefore?: number,
): Promise<void> {
  await r.run(UPSERT[dialect], [row.node, row.updatedAt, row.figures]);
  if (forgetBefore !== undefined) {
    await r.run("DELETE FROM ws_nodes WHERE updated_at < ?", [Math.trunc(forgetBefore)]);
  }
}

/**
 * Reads the rows updated at or after `since`.
 * @param r a runner
 * @param since ms since the epoch
 * @returns the rows, by node
 */
export async function readNodeRows(r: SqlRunner, since: number): Promise<NodeRow[]> {
  const rows = await r.all(
    "SELECT node, updated_at, figures FROM ws_nodes WHERE updated_at >= ? ORDER BY node",
    [Math.trunc(since)],
  );
  return rows.map((row) => ({
    node: String(row.node),
    updatedAt: Number(row.updated_at),
    figures: String(row.figures),
  }));
}
