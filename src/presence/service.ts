/**
 * `PresenceService`: which operators and admins are connected to any
 * process sharing the database (PROTOCOL.md §3.2 `PRESENCE`, v1.1).
 *
 * This process's roster follows the manager's authentications and
 * removals at once; it is shared through a `PresenceTransport` soon after
 * every change and about every second (the heartbeat that keeps a process
 * in the list), and the others' reports are read every `pollMs`. A process
 * that died stops writing, so its report goes stale and leaves the list.
 * The merged list goes to every live reviewer when it changes, at most
 * once per `minIntervalMs`; a client that has just been welcomed gets it
 * after its replay or `SNAPSHOT`: at once, or, when a broadcast is due within
 * a second (a storm of hellos), with that broadcast.
 *
 * v1.2 (issue 13, rows M6/M6b): the frame lists at most 100 people, the
 * earliest first, with `total` (`cap.ts`), and each client receives at
 * most `MAX_PRESENCE_BYTES` of it per second (`byte_budget.ts`): a client
 * whose allowance is spent is owed the list and gets it, as it is then,
 * once its allowance holds it. A join costs everyone at most one frame of
 * at most 16 KiB per second, never the full list per join.
 * @module
 */
import type { Clock, TimerHandle } from "../clock.ts";
import type { ClientChange, WebSocketManager } from "../connection/manager.ts";
import type { WebSocketClient } from "../connection/client.ts";
import type { Logger } from "../logging/logger.ts";
import type { PresenceEntry } from "../protocol/frames.ts";
import { isReviewer } from "../protocol/types.ts";
import { PerSecondCount, STORM_BUILDS_PER_SECOND } from "../async/per_second_count.ts";
import { Coalescer } from "./coalescer.ts";
import { MAX_PRESENCE_BYTES, type PresenceText, presenceText } from "./cap.ts";
import { PresenceBudget } from "./byte_budget.ts";
import { LocalRoster, mergeReports, parseReport, type PresenceReport } from "./roster.ts";
import type { PresenceTransport } from "./transport.ts";

/** How long after a local change its report is shared, so a burst of changes shares once (ms). */
const WRITE_SOON_MS = 100;

/** How old a list a newly welcomed client may get while the list keeps changing (ms). */
const WELCOME_STALE_MS = 100;

/**
 * In a storm of hellos (past `STORM_BUILDS_PER_SECOND` builds of the list in a
 * second), a client welcomed while a broadcast is due within this long gets
 * that broadcast as its first list, not one of its own now and the broadcast
 * after it: each newcomer costs one list, not two (ms). Outside a storm the
 * welcome carries the list at once.
 */
const WELCOME_JOINS_BROADCAST_MS = 1000;

/**
 * (issue 13, row M6b) The most bytes of `PRESENCE` one process sends per
 * second, all clients together: past it, broadcasts come less often (at
 * most every `MAX_BROADCAST_INTERVAL_MS`), so 9000 operators joining cost
 * the process a bounded amount, not a frame to everyone every second.
 */
export const PRESENCE_PROCESS_BYTES_PER_SECOND = 8 * 1024 * 1024;

/** The longest time between two broadcasts when they are spaced out for cost (ms). */
export const MAX_BROADCAST_INTERVAL_MS = 5000;

/** Options of a `PresenceService`. */
export interface PresenceOptions {
  /** The registry whose operators and admins are reported. */
  readonly manager: WebSocketManager;
  /** Where the reports of every process are shared. */
  readonly transport: PresenceTransport;
  /** Time, for the report interval. */
  readonly clock: Clock;
  /** Where failed reads and writes are reported. */
  readonly logger: Logger;
  /** This process's id (its report is taken from memory, not from the transport). */
  readonly processId: string;
  /** How often the others' reports are read (ms); default 500. */
  readonly pollMs?: number;
  /** How often this process's report is written when nothing changes (ms); default 1000. */
  readonly writeMs?: number;
  /** The shortest time between two `PRESENCE` broadcasts (ms); default 1000. */
  readonly minIntervalMs?: number;
  /** (v1.2) The most bytes of `PRESENCE` one client receives per second; default 16 KiB. */
  readonly bytesPerSecond?: number;
}

/** Keeps and broadcasts the list of connected reviewers. */
export class PresenceService {
  readonly #o: PresenceOptions;
  readonly #roster = new LocalRoster();
  readonly #coalescer: Coalescer;
  #remote: PresenceReport[] = [];
  /** This process's report as JSON, built once per change of the roster; null once it changed. */
  #report: string | null = null;
  /** The report as last written whole: while it stands, the heartbeat alone moves on. */
  #written: string | null = null;
  /** The others' reports as last read, to tell a change from a repeat. */
  #remoteKey = "";
  #sentText = "";
  /** What each client was last sent, so a welcome and a broadcast never repeat one list. */
  readonly #lastSent = new WeakMap<WebSocketClient, string>();
  #timers: TimerHandle[] = [];
  #unlisten: (() => void) | null = null;
  #writeSoon: TimerHandle | null = null;
  #stopped = false;
  #reading = false;
  /** The `PRESENCE` text of the list as last built, and when; null once something changed. */
  #built: (PresenceText & { at: number }) | null = null;
  #lastBuilt: (PresenceText & { at: number }) | null = null;
  /** (v1.2) What each client may still receive this second. */
  readonly #budget: PresenceBudget;
  /** Clients welcomed while a broadcast was due soon: that broadcast is their first list. */
  #joining = new Set<WebSocketClient>();
  /** (v1.2) Clients whose allowance held back the last list: they get the current one later. */
  readonly #owed = new Set<WebSocketClient>();
  #owedTimer: TimerHandle | null = null;
  /** Builds of the list this second: past `STORM_BUILDS_PER_SECOND`, a storm of hellos. */
  readonly #builds = new PerSecondCount();

  /**
   * Creates the service; `start()` begins reporting.
   * @param options manager, transport, clock and periods
   */
  constructor(options: PresenceOptions) {
    this.#o = options;
    this.#coalescer = new Coalescer(
      options.clock,
      options.minIntervalMs ?? 1000,
      () => this.#broadcast(),
    );
    this.#budget = new PresenceBudget(options.bytesPerSecond ?? MAX_PRESENCE_BYTES);
  }

  /** Listens to the manager and starts sharing and reading reports; idempotent. */
  start(): void {
    if (this.#unlisten !== null || this.#stopped) return;
    const { clock, manager } = this.#o;
    this.#unlisten = manager.addListener((change) => this.#onChange(change));
    for (const c of manager.clients.values()) {
      if (c.role !== null && isReviewer(c.role) && c.user !== null && c.state !== "closed") {
        this.#roster.add(c.user, c.id, c.connectedAt);
      }
    }
    this.#timers.push(clock.setInterval(() => void this.#write(), this.#o.writeMs ?? 1000));
    this.#timers.push(clock.setInterval(() => void this.#read(), this.#o.pollMs ?? 500));
    void this.#write().then(() => this.#read());
  }

  /** Stops, and withdraws this process's report. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unlisten?.();
    for (const t of this.#timers) this.#o.clock.clearInterval(t);
    if (this.#writeSoon !== null) this.#o.clock.clearTimeout(this.#writeSoon);
    if (this.#owedTimer !== null) this.#o.clock.clearTimeout(this.#owedTimer);
    this.#owed.clear();
    this.#joining.clear();
    this.#coalescer.stop();
    await this.#o.transport.remove().catch((e) =>
      this.#o.logger.debug("presence remove failed", { error: e })
    );
  }

  /** The merged list now: every process's reviewers, this one's as of now. */
  list(): PresenceEntry[] {
    return mergeReports([this.#roster.report(), ...this.#remote]);
  }

  /**
   * Sends the list to one client that has just become live (after its replay or snapshot).
   * @param client the client
   */
  welcome(client: WebSocketClient): void {
    if (!isReviewer(client.role)) return;
    if (this.#storming() && this.#coalescer.dueWithin(WELCOME_JOINS_BROADCAST_MS)) {
      this.#joining.add(client);
      return;
    }
    this.#offer(client, this.#text(WELCOME_STALE_MS));
  }

  /**
   * Sends `built` to a client if its allowance holds it; else the client is
   * owed the list and a catch-up is scheduled for when it will.
   * @returns whether it was sent
   */
  #offer(client: WebSocketClient, built: PresenceText): boolean {
    const wait = this.#budget.take(client, built.bytes, this.#o.clock.now());
    if (wait > 0) {
      this.#owed.add(client);
      this.#owedTimer ??= this.#o.clock.setTimeout(() => {
        this.#owedTimer = null;
        this.#catchUp();
      }, wait);
      return false;
    }
    this.#owed.delete(client);
    this.#lastSent.set(client, built.text);
    this.#o.manager.send(client, built.text, "PRESENCE");
    return true;
  }

  /** Sends the list as it is now to the clients owed it whose allowance holds it. */
  #catchUp(): void {
    if (this.#stopped) return;
    const built = this.#text();
    for (const c of [...this.#owed]) {
      if (c.state !== "live" || !isReviewer(c.role) || this.#lastSent.get(c) === built.text) {
        this.#owed.delete(c);
        continue;
      }
      this.#offer(c, built);
    }
  }

  #onChange({ kind, client }: ClientChange): void {
    if (!isReviewer(client.role) || client.user === null) return;
    const changed = kind === "authenticated"
      ? this.#roster.add(client.user, client.id, client.connectedAt)
      : this.#roster.remove(client.user, client.id);
    if (!changed) return;
    this.#report = null;
    this.#changed();
    // Share soon, so other processes see the change well within 2 s; changes in a burst share once.
    this.#writeSoon ??= this.#o.clock.setTimeout(() => {
      this.#writeSoon = null;
      void this.#write();
    }, WRITE_SOON_MS);
  }

  /**
   * Shares this process's report: whole when it changed since it was last
   * written (or the transport cannot do less), else only the proof that the
   * process is alive. At 9000 operators the report is about a megabyte of
   * JSON; it was built and written every second while nobody came or went.
   */
  async #write(): Promise<void> {
    if (this.#stopped) return;
    const { transport, logger } = this.#o;
    const report = this.#report ??= JSON.stringify(this.#roster.report());
    try {
      if (report === this.#written && await transport.touch()) return;
      this.#written = null;
      await transport.write(report);
      this.#written = report;
    } catch (e) {
      logger.debug("presence write failed", { error: e });
    }
  }

  async #read(): Promise<void> {
    if (this.#stopped || this.#reading) return;
    this.#reading = true;
    try {
      const others = (await this.#o.transport.read())
        .filter((r) => r.processId !== this.#o.processId)
        .sort((a, b) => (a.processId < b.processId ? -1 : 1));
      // Compared, not parsed or stringified again; the lengths keep any two lists apart.
      const key = others.map((r) =>
        `${r.processId.length}:${r.processId}${r.users.length}:${r.users}`
      ).join("");
      if (key === this.#remoteKey) return; // the usual case: nobody came or went elsewhere
      this.#remoteKey = key;
      this.#remote = others.map((r) => parseReport(r.users));
      this.#changed();
    } catch (e) {
      // Keep the last view: a database that does not answer for a moment
      // is not everyone leaving.
      this.#o.logger.debug("presence read failed", { error: e });
    } finally {
      this.#reading = false;
    }
  }

  /** Something may have changed: a broadcast follows (at most once per interval). */
  #changed(): void {
    this.#built = null;
    this.#coalescer.poke();
  }

  /**
   * The `PRESENCE` text of the list now. In a reconnect storm the list
   * changes with every hello and building it for each would cost O(n²):
   * past `STORM_BUILDS_PER_SECOND` builds in a second, a welcome may get a text
   * up to `staleMs` old, and the broadcast that follows carries the exact list.
   */
  #text(staleMs = 0): PresenceText {
    if (this.#built !== null) return this.#built;
    const now = this.#o.clock.now();
    const last = this.#lastBuilt;
    if (last !== null && now - last.at < staleMs && this.#storming()) return last;
    this.#builds.add(now);
    this.#built = this.#lastBuilt = { ...presenceText(this.list()), at: now };
    return this.#built;
  }

  /** Whether the list was built `STORM_BUILDS_PER_SECOND` times this second already (a storm of hellos). */
  #storming(): boolean {
    return this.#builds.count(this.#o.clock.now()) >= STORM_BUILDS_PER_SECOND;
  }

  /** Sends the list to every live reviewer when it differs from the last one sent. */
  #broadcast(): void {
    if (this.#stopped) return;
    const built = this.#text();
    const joining = this.#joining;
    this.#joining = new Set();
    if (built.text === this.#sentText) {
      // Nothing changed for the others; the newcomers still get their first list.
      for (const c of joining) {
        if (c.state === "live" && this.#lastSent.get(c) !== built.text) this.#offer(c, built);
      }
      return;
    }
    this.#sentText = built.text;
    let sent = 0;
    for (const c of this.#o.manager.clients.values()) {
      if (c.state !== "live" || !isReviewer(c.role) || this.#lastSent.get(c) === built.text) {
        continue;
      }
      if (this.#offer(c, built)) sent += built.bytes;
    }
    // What this broadcast cost sets how soon the next may come.
    const base = this.#o.minIntervalMs ?? 1000;
    this.#coalescer.intervalMs = Math.min(
      Math.max(base, MAX_BROADCAST_INTERVAL_MS),
      Math.max(base, Math.ceil((sent * 1000) / PRESENCE_PROCESS_BYTES_PER_SECOND)),
    );
  }
}
