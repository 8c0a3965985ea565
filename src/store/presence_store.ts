/**
 * The presence rows' slice of the store: one row per process, written by
 * `src/presence/` and read back by every process.
 * @module
 */

/** One process's row of presence (who is connected to it), as stored. */
export interface PresenceRow {
  /** The reporting process's id. */
  readonly processId: string;
  /** The process's own report (JSON text, written and read by `src/presence/`). */
  readonly users: string;
  /** When the process last wrote the row. */
  readonly heartbeatAt: Date;
}

/** The `ws_presence` rows. */
export interface PresenceStore {
  /** Writes (upserts) this process's presence row. */
  putPresence(row: PresenceRow): Promise<void>;

  /** Every process's presence row with a heartbeat at or after `since`. */
  readPresence(since: Date): Promise<PresenceRow[]>;

  /** Deletes presence rows older than `before` and the given process's row (if any); returns how many. */
  prunePresence(before: Date, processId?: string): Promise<number>;
}
