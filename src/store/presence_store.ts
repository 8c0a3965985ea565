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

  /**
   * Moves a process's heartbeat on, its report as it was: what a process
   * whose roster did not change writes every second, instead of the whole
   * report again (at 9000 operators, a row of about a megabyte).
   * @returns false when the process has no row (never written, or pruned as
   * stale): then its report must be written whole
   */
  touchPresence(processId: string, heartbeatAt: Date): Promise<boolean>;

  /**
   * Every process's presence row with a heartbeat at or after `since`, but
   * `except`'s (the reader's own, which it has in memory).
   */
  readPresence(since: Date, except?: string): Promise<PresenceRow[]>;

  /** Deletes presence rows older than `before` and the given process's row (if any); returns how many. */
  prunePresence(before: Date, processId?: string): Promise<number>;
}
