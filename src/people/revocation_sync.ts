/**
 * `RevocationService`: revocations from the database to this process and
 * from an admin to every process (PROTOCOL.md §5 "People").
 * - At start it reads every stored revocation (until then the gate answers
 *   `unavailable`, so a revoked token is never let in by a process that has
 *   not looked).
 * - `revoke` stores a revocation, applies it here at once, and announces it
 *   on the bus (Redis) when there is one.
 * - It reads the revocations of the last moments every `pollMs` (default
 *   500 ms), so without Redis, or when a message is lost, the news arrives
 *   within a second.
 * Every revocation, from any source, goes through `#apply`.
 * @module
 */
import type { Clock, TimerHandle } from "../clock.ts";
import type { Logger } from "../logging/logger.ts";
import type { RevocationStore } from "../store/revocation_store.ts";
import type { RevocationEnforcer } from "./enforcer.ts";
import type { RevocationBus, RevocationListener } from "./revocation_bus.ts";
import type { Revocation, RevocationList } from "./revocations.ts";

/** How far back each poll reads, so a row written by a process with a slightly slower clock is not missed (ms). */
const POLL_OVERLAP_MS = 10_000;

/** What the service works with. */
export interface RevocationServiceOptions {
  /** Where revocations are stored. */
  readonly store: RevocationStore;
  /** This process's copy. */
  readonly revocations: RevocationList;
  /** Closes the connections a revocation covers. */
  readonly enforcer: RevocationEnforcer;
  /** Time. */
  readonly clock: Clock;
  /** Where failures are reported. */
  readonly logger: Logger;
  /** How often the database is read (ms); default 500. */
  readonly pollMs?: number;
}

/** Keeps this process's revocations current and spreads new ones. */
export class RevocationService implements RevocationListener {
  readonly #o: RevocationServiceOptions;
  #bus: RevocationBus | null = null;
  #timer: TimerHandle | null = null;
  #polling: Promise<void> | null = null;
  /** The latest moment read from the database (ms). */
  #watermark = 0;

  /**
   * Creates the service; `start()` reads and begins polling.
   * @param options store, list, enforcer, clock, logger
   */
  constructor(options: RevocationServiceOptions) {
    this.#o = options;
  }

  /**
   * Reads every stored revocation, then polls; with a bus, listens to it too.
   * @param bus the Redis bus, or null without `REDIS_URL`
   * @throws {StoreUnavailableError} when the database does not answer (the caller retries)
   */
  async start(bus: RevocationBus | null): Promise<void> {
    const rows = await this.#o.store.readRevocations(null);
    for (const row of rows) this.#apply({ user: row.user, revokedAt: row.revokedAt.getTime() });
    this.#o.revocations.markLoaded();
    if (bus !== null && this.#bus === null) {
      this.#bus = bus;
      await bus.start(this);
    }
    this.#timer ??= this.#o.clock.setInterval(() => void this.poll(), this.#o.pollMs ?? 500);
  }

  /** Stops polling and closes the bus. */
  async stop(): Promise<void> {
    if (this.#timer !== null) this.#o.clock.clearInterval(this.#timer);
    this.#timer = null;
    await this.#bus?.close();
    this.#bus = null;
  }

  /**
   * Revokes a user from now on, on every process.
   * @param user the user (`sub`)
   * @returns the stored revocation
   * @throws {StoreUnavailableError} when the database does not answer
   * @throws {TypeError} on an empty or too long user
   */
  async revoke(user: string): Promise<Revocation> {
    const stored = await this.#o.store.revoke(user, new Date(this.#o.clock.now()));
    const revocation = { user, revokedAt: stored.getTime() };
    this.#apply(revocation);
    // Not awaited: the answer does not wait for Redis (the poll covers a lost announcement).
    void this.#bus?.publish(revocation);
    return revocation;
  }

  /**
   * A revocation another process announced on the bus.
   * @param revocation the verified news
   */
  onRevocation(revocation: Revocation): void {
    this.#apply(revocation);
  }

  /**
   * Reads the latest revocations from the database once (the timer calls
   * it); a call while a read is under way shares that read.
   */
  poll(): Promise<void> {
    this.#polling ??= this.#read().finally(() => this.#polling = null);
    return this.#polling;
  }

  async #read(): Promise<void> {
    try {
      const since = this.#watermark === 0 ? null : new Date(this.#watermark - POLL_OVERLAP_MS);
      for (const row of await this.#o.store.readRevocations(since)) {
        this.#apply({ user: row.user, revokedAt: row.revokedAt.getTime() });
      }
    } catch (e) {
      this.#o.logger.debug("revocations not read", { error: e });
    }
  }

  #apply(revocation: Revocation): void {
    this.#watermark = Math.max(this.#watermark, revocation.revokedAt);
    if (!this.#o.revocations.record(revocation.user, revocation.revokedAt)) return;
    this.#o.enforcer.closeRevoked(revocation.user);
  }
}
