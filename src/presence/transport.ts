/**
 * Where processes share their presence reports. `StorePresence` keeps one
 * row per process in `ws_presence` (its heartbeat moved on about every
 * second, its report rewritten when it changed; read by every process; rows
 * older than the staleness are ignored, then deleted), so presence works
 * with nothing but the shared database.
 * @module
 */
import type { Clock } from "../clock.ts";
import type { PresenceStore } from "../store/presence_store.ts";

/** A process's report as shared: its id and the report's JSON text. */
export interface SharedReport {
  /** The reporting process's id. */
  readonly processId: string;
  /** Its report: the JSON list of its users and their connections. */
  readonly users: string;
}

/** Carries presence reports between the processes sharing one database. */
export interface PresenceTransport {
  /** `database` or `redis`, for logs. */
  readonly kind: string;
  /** Shares this process's report (and proves the process alive). */
  write(users: string): Promise<void>;
  /**
   * Proves the process alive, its report as last written, without sending
   * the report again.
   * @returns false when that cannot be done (nothing written yet, the report
   * pruned, or a transport whose proof is the report itself): then the
   * caller writes the report whole
   */
  touch(): Promise<boolean>;
  /** The reports of every other process alive now (this one's may be left out). */
  read(): Promise<SharedReport[]>;
  /** Withdraws this process's report (on shutdown). */
  remove(): Promise<void>;
}

/** Presence through the `ws_presence` table. */
export class StorePresence implements PresenceTransport {
  /** Always `database`. */
  readonly kind = "database";
  readonly #store: PresenceStore;
  readonly #processId: string;
  readonly #clock: Clock;
  readonly #staleMs: number;
  #lastPrune = 0;

  /**
   * Creates a transport over the database's `ws_presence` table.
   * @param store the shared database
   * @param processId this process's id
   * @param clock the time source
   * @param staleMs a row older than this is a process that died
   */
  constructor(store: PresenceStore, processId: string, clock: Clock, staleMs: number) {
    this.#store = store;
    this.#processId = processId;
    this.#clock = clock;
    this.#staleMs = staleMs;
  }

  /** Upserts this process's row with the time now. */
  async write(users: string): Promise<void> {
    const now = this.#clock.now();
    await this.#store.putPresence({
      processId: this.#processId,
      users,
      heartbeatAt: new Date(now),
    });
    await this.#prune(now);
  }

  /** Moves this process's heartbeat to now; false when it has no row. */
  async touch(): Promise<boolean> {
    const now = this.#clock.now();
    const had = await this.#store.touchPresence(this.#processId, new Date(now));
    await this.#prune(now);
    return had;
  }

  /** Deletes the rows of processes long dead, once per staleness period. */
  async #prune(now: number): Promise<void> {
    if (now - this.#lastPrune < this.#staleMs) return;
    this.#lastPrune = now;
    await this.#store.prunePresence(new Date(now - 2 * this.#staleMs));
  }

  /** The other processes' rows younger than the staleness. */
  async read(): Promise<SharedReport[]> {
    const since = new Date(this.#clock.now() - this.#staleMs);
    const rows = await this.#store.readPresence(since, this.#processId);
    return rows.map((r) => ({ processId: r.processId, users: r.users }));
  }

  /** Deletes this process's row. */
  async remove(): Promise<void> {
    await this.#store.prunePresence(new Date(0), this.#processId);
  }
}
