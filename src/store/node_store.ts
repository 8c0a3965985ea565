/**
 * The node rows' slice of the store: each process's last published figures
 * (`ws_nodes`), for the dashboard.
 * @module
 */

/** One server process's last published figures (`ws_nodes`). */
export interface NodeRow {
  /** The process's node id (1–64 characters). */
  readonly node: string;
  /** When it published them, ms since the epoch. */
  readonly updatedAt: number;
  /** The figures, as JSON text. */
  readonly figures: string;
}

/** The `ws_nodes` rows. */
export interface NodeStore {
  /**
   * Writes this process's figures row (one per node, replaced each time);
   * deletes rows not updated since `forgetBefore` when given.
   * @throws {TypeError} on a bad row
   */
  writeNode(row: NodeRow, forgetBefore?: number): Promise<void>;

  /** The figures rows updated at or after `since` (ms since the epoch). */
  readNodes(since: number): Promise<NodeRow[]>;
}
