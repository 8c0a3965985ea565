/**
 * `EventFeed`: the one place where events enter this process's delivery, in
 * `seq` order, each once.
 *
 * Events arrive from three sources, in any order and possibly twice: this
 * process's own commits, the broker (Redis, at most once, unordered), and
 * reading the log (`sync`, run on a timer and whenever a gap is seen). The
 * feed delivers `head + 1` as soon as it has it, buffers what is ahead, and
 * fills gaps from the log, so its sink sees a contiguous sequence.
 *
 * What it delivers at a `seq` is what the log holds there: its own commits
 * and the log are the log, and a broker frame is accepted only as an
 * `AuthenticFrame` (signed by a holder of `AUTH_SECRET` for exactly that
 * `seq` of this log, so byte-identical to the log's, replays included).
 * The compiler holds the line: `offer(…, "broker")` takes nothing else.
 * @module
 */
import type { AuthenticFrame } from "../broker/broker.ts";
import type { Clock, TimerHandle } from "../clock.ts";
import type { Logger } from "../logging/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { asSeq, type Seq } from "../protocol/types.ts";
import type { LogStore } from "../store/log_store.ts";

/** Where an event came from (a metrics label). */
export type FeedSource = "local" | "broker" | "log";

/** Receives each event once, in `seq` order. */
export type FeedSink = (seq: Seq, frame: string) => void;

/** Options of an `EventFeed`. */
export interface FeedOptions {
  /** The log, read at start and polled for events committed elsewhere. */
  readonly store: LogStore;
  /** Receives every event once, in order. */
  readonly sink: FeedSink;
  /** Time, for the poll timer. */
  readonly clock: Clock;
  /** How often the log is read for events committed elsewhere (ms). */
  readonly pollMs: number;
  /** Where failed polls are reported. */
  readonly logger: Logger;
  /** The log head gauge; none when absent. */
  readonly metrics?: Metrics;
  /** Events read from the log per query. */
  readonly pageSize?: number;
}

/** Most events held ahead of a gap before the feed relies on the log alone. */
const MAX_BUFFERED = 10_000;
/** Recent events kept in memory, so replays after a short drop or a restart storm skip the database. */
const RECENT = 10_000;

/** Orders events from every source into one contiguous stream. */
export class EventFeed {
  readonly #o: FeedOptions;
  #head: Seq = asSeq(0);
  readonly #ahead = new Map<number, { frame: string; source: FeedSource }>();
  #syncing: Promise<Seq> | null = null;
  /** When the last sync that read the log's head finished. */
  #syncedAt = Number.NEGATIVE_INFINITY;
  #timer: TimerHandle | null = null;
  #started = false;
  /** The last `RECENT` delivered events, oldest first: `#recent[i]` has seq `#recentFirst + i`. */
  #recent: string[] = [];
  #recentFirst = 1;

  /**
   * Creates a feed; `start()` reads the log's head and begins polling.
   * @param options the store, sink, clock and poll interval
   */
  constructor(options: FeedOptions) {
    this.#o = options;
  }

  /** The highest `seq` delivered to the sink. */
  get head(): Seq {
    return this.#head;
  }

  /**
   * Starts at the log's current head (earlier events are served to clients
   * from the log by replay or snapshot) and begins polling.
   * @throws {StoreUnavailableError} when the database does not answer
   */
  async start(): Promise<void> {
    if (this.#started) return;
    const head = await this.#o.store.head();
    this.#head = head;
    this.#recentFirst = head + 1;
    // Prime the memory with the log's tail, so clients resuming after a
    // restart are served without a query each.
    const tail = (await this.#o.store.readSince(asSeq(Math.max(0, head - RECENT)), RECENT))
      .filter((e) => e.seq <= head);
    const first = tail[0];
    if (first !== undefined && tail.at(-1)?.seq === head) {
      this.#recent = tail.map((e) => e.frame);
      this.#recentFirst = first.seq;
    }
    this.#o.metrics?.set("ws_event_log_head", this.#head);
    this.#started = true;
    this.#timer = this.#o.clock.setInterval(() => {
      this.sync().catch((e) => this.#o.logger.debug("log poll failed", { error: e }));
    }, this.#o.pollMs);
  }

  /**
   * Recent events after `after`, from memory.
   * @param after the last seq the caller has
   * @param limit how many at most
   * @returns the events (possibly none), or `null` when memory does not reach back that far
   */
  recentSince(after: number, limit: number): Array<{ seq: Seq; frame: string }> | null {
    if (after + 1 < this.#recentFirst) return null;
    const from = after + 1 - this.#recentFirst;
    return this.#recent.slice(from, from + limit).map((frame, i) => ({
      seq: asSeq(this.#recentFirst + from + i),
      frame,
    }));
  }

  /** Stops polling. */
  stop(): void {
    if (this.#timer !== null) this.#o.clock.clearInterval(this.#timer);
    this.#timer = null;
  }

  /**
   * Offers one event. Delivered now if it is next, buffered if ahead (and a
   * sync started to fill the gap), dropped if already delivered.
   * @param seq the event's seq
   * @param frame its encoded `EVENT` frame; from the broker, only one it authenticated
   * @param source where it came from
   */
  offer(seq: Seq, frame: AuthenticFrame, source: "broker"): void;
  /**
   * Offers one of this process's own commits, or an event read from the log.
   * @param seq the event's seq
   * @param frame its encoded `EVENT` frame as stored
   * @param source `local` or `log`
   */
  offer(seq: Seq, frame: string, source: Exclude<FeedSource, "broker">): void;
  offer(seq: Seq, frame: string, source: FeedSource): void {
    if (!this.#started || seq <= this.#head) return;
    if (seq === this.#head + 1) {
      this.#deliver(seq, frame, source);
      this.#drainAhead();
      return;
    }
    if (this.#ahead.size < MAX_BUFFERED) this.#ahead.set(seq, { frame, source });
    this.sync().catch((e) => this.#o.logger.warn("gap fill failed", { error: e }));
  }

  /**
   * Reads the log up to its current head and delivers what is missing.
   * Concurrent calls share one run.
   * @returns the head after the run
   * @throws {StoreUnavailableError} when the database does not answer
   */
  sync(): Promise<Seq> {
    if (!this.#started) return Promise.resolve(this.#head);
    this.#syncing ??= this.#runSync().finally(() => {
      this.#syncing = null;
    });
    return this.#syncing;
  }

  /**
   * Like `sync`, but answers at once when a sync that started after the
   * log's head was last read finished less than `maxAgeMs` ago.
   * @param maxAgeMs how old a finished sync may be
   * @returns the head
   */
  syncFresh(maxAgeMs: number): Promise<Seq> {
    if (this.#syncing === null && this.#o.clock.now() - this.#syncedAt < maxAgeMs) {
      return Promise.resolve(this.#head);
    }
    return this.sync();
  }

  async #runSync(): Promise<Seq> {
    const { store } = this.#o;
    const pageSize = this.#o.pageSize ?? 1000;
    const startedAt = this.#o.clock.now();
    const target = await store.head();
    while (this.#head < target) {
      const events = await store.readSince(this.#head, pageSize);
      if (events.length === 0) break;
      for (const e of events) {
        if (e.seq <= this.#head) continue;
        if (e.seq !== this.#head + 1) {
          // The log no longer holds the next event (pruned past us): nothing
          // can fill that gap, so skip ahead; clients detect the jump and
          // resume, which answers with a snapshot.
          this.#o.logger.warn("event log gap: skipping pruned events", {
            from: this.#head + 1,
            to: e.seq - 1,
          });
        }
        this.#deliver(e.seq, e.frame, "log");
      }
      this.#drainAhead();
    }
    this.#syncedAt = startedAt;
    return this.#head;
  }

  #drainAhead(): void {
    for (;;) {
      const next = this.#head + 1;
      const held = this.#ahead.get(next);
      if (held === undefined) break;
      this.#deliver(asSeq(next), held.frame, held.source);
    }
    for (const seq of this.#ahead.keys()) if (seq <= this.#head) this.#ahead.delete(seq);
  }

  #deliver(seq: Seq, frame: string, source: FeedSource): void {
    this.#ahead.delete(seq);
    if (seq !== this.#head + 1) {
      // A skipped (pruned) stretch: memory restarts after it.
      this.#recent = [];
      this.#recentFirst = seq;
    }
    this.#head = seq;
    this.#recent.push(frame);
    if (this.#recent.length > RECENT * 2) {
      // Trim in batches so delivery stays O(1) amortised.
      const drop = this.#recent.length - RECENT;
      this.#recent = this.#recent.slice(drop);
      this.#recentFirst += drop;
    }
    this.#o.metrics?.increment("ws_events_delivered_total", { source });
    this.#o.metrics?.set("ws_event_log_head", seq);
    try {
      this.#o.sink(seq, frame);
    } catch (e) {
      this.#o.logger.error("event sink failed", { seq, error: e });
    }
  }
}
