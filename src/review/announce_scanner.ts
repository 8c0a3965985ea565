/**
 * Announcing what nobody announced (PROTOCOL.md §7 `ANNOUNCE_SCAN_MS`, v1.2):
 * every period, the pending rows with no current announcement (a module
 * inserted the row and never sent `SR`, or died before it; or another module
 * put a decided row back to pending) are announced as if
 * a module had sent `SR` for each: the same `processPendingResponse`, so the
 * same fetch, render and `pending` event. Exactly once across processes: the
 * store's `announce` is one transaction on the locked row that answers
 * `duplicate` to whoever comes second, so two processes scanning at once
 * append one event. The same tick refreshes the pending gauges of `/metrics`
 * (count, oldest age, overdue against `SLA_MINUTES`).
 * @module
 */
import type { Clock, TimerHandle } from "../clock.ts";
import type { EventFanout } from "../fanout/event_fanout.ts";
import type { Logger } from "../logging/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { ResponseId } from "../protocol/types.ts";
import type { ResponseStore } from "../store/response_store.ts";
import type { AppendResult } from "../store/rows.ts";

/** Rows announced per tick at most: a backlog drains over a few ticks, never in one burst. */
export const SCAN_BATCH = 100;
/** How often the pending gauges are read when the scan is off (ms). */
const STATS_ONLY_MS = 5_000;

/** What the scanner needs. */
export interface AnnounceScannerOptions {
  /** Where unannounced rows and the pending figures are read. */
  readonly store: Pick<ResponseStore, "unannounced" | "pendingStats">;
  /** What `SR` does: `processPendingResponse` bound to its dependencies. */
  readonly announce: (id: ResponseId) => Promise<AppendResult>;
  /** Where an appended event goes (this process's clients, the others). */
  readonly fanout: EventFanout;
  /** Times the scan. */
  readonly clock: Clock;
  /** Where failures and announcements are reported. */
  readonly logger: Logger;
  /** The pending gauges and `ws_announced_by_scan_total`. */
  readonly metrics: Metrics;
  /** `ANNOUNCE_SCAN_MS`; 0 turns the announcing off (the gauges are still read). */
  readonly periodMs: number;
  /** `SLA_MINUTES`. */
  readonly slaMinutes: number;
}

/** The periodic scan of one server process. */
export class AnnounceScanner {
  readonly #o: AnnounceScannerOptions;
  #timer: TimerHandle | null = null;
  #running: Promise<void> | null = null;

  /**
   * A scan for one server process (not started).
   * @param options the store, the SR path, the fan-out, the clock and the period
   */
  constructor(options: AnnounceScannerOptions) {
    this.#o = options;
    options.metrics.set("ws_pending_sla_seconds", options.slaMinutes * 60);
  }

  /** Starts ticking (idempotent). */
  start(): void {
    if (this.#timer !== null) return;
    const period = this.#o.periodMs > 0 ? this.#o.periodMs : STATS_ONLY_MS;
    this.#timer = this.#o.clock.setInterval(() => void this.tick(), period);
    void this.tick();
  }

  /** Stops ticking; a tick under way finishes. */
  stop(): void {
    if (this.#timer !== null) this.#o.clock.clearInterval(this.#timer);
    this.#timer = null;
  }

  /**
   * One scan: announces up to `SCAN_BATCH` unannounced rows, then reads the
   * pending figures. A tick never overlaps the previous one.
   * @returns when done (never rejects: failures are logged)
   */
  tick(): Promise<void> {
    this.#running ??= this.#scan().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #scan(): Promise<void> {
    const { store, logger, metrics, periodMs } = this.#o;
    if (periodMs > 0) {
      try {
        for (const id of await store.unannounced(SCAN_BATCH)) await this.#announce(id);
      } catch (error) {
        logger.warn("announce scan failed", { error });
      }
    }
    try {
      const now = this.#o.clock.now();
      const stats = await store.pendingStats(new Date(now - this.#o.slaMinutes * 60_000));
      metrics.set("ws_pending_responses", stats.count);
      metrics.set(
        "ws_pending_oldest_age_seconds",
        stats.oldest === null ? 0 : Math.max(0, (now - stats.oldest.getTime()) / 1000),
      );
      metrics.set("ws_pending_overdue", stats.overdue);
    } catch (error) {
      logger.warn("pending figures unavailable", { error });
    }
  }

  async #announce(id: ResponseId): Promise<void> {
    const result = await this.#o.announce(id);
    if (result.kind !== "appended") return; // another process (or an SR) was first
    this.#o.fanout.publish(result.event);
    this.#o.metrics.increment("ws_announced_by_scan_total");
    this.#o.logger.info("announced a pending row nobody announced", { response_id: id });
  }
}
