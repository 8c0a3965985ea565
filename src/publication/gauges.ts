/**
 * `QueueGauges`: every few seconds, the queue's figures from the database
 * into `/metrics` (`ws_publication_queue{state}`,
 * `ws_publication_oldest_unpublished_seconds`). Each process reads the same
 * shared figures, so dashboards take `max` over processes, not `sum`.
 * @module
 */
import type { Clock, TimerHandle } from "../clock.ts";
import type { Logger } from "../logging/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { PUBLICATION_STATES } from "../protocol/publication_frames.ts";
import type { PublicationStats, PublicationStore } from "./store_types.ts";

/** Reads the queue's figures into the process's gauges. */
export class QueueGauges {
  readonly #store: PublicationStore;
  readonly #metrics: Metrics;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #everyMs: number;
  #timer: TimerHandle | null = null;
  #last: PublicationStats | null = null;

  /**
   * Gauges over a store.
   * @param store where the figures are read
   * @param metrics where they go
   * @param clock time
   * @param logger where a failed read is reported
   * @param everyMs how often (default 5000)
   */
  constructor(
    store: PublicationStore,
    metrics: Metrics,
    clock: Clock,
    logger: Logger,
    everyMs = 5000,
  ) {
    this.#store = store;
    this.#metrics = metrics;
    this.#clock = clock;
    this.#logger = logger;
    this.#everyMs = everyMs;
  }

  /** The figures last read, or null. */
  get last(): PublicationStats | null {
    return this.#last;
  }

  /** Starts reading, at once and then every `everyMs`. */
  start(): void {
    if (this.#timer !== null) return;
    this.#timer = this.#clock.setInterval(() => void this.refresh(), this.#everyMs);
    void this.refresh();
  }

  /** Stops reading. */
  stop(): void {
    if (this.#timer !== null) this.#clock.clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Reads the figures once and sets the gauges (failures are logged, the gauges kept). */
  async refresh(): Promise<void> {
    try {
      const stats = await this.#store.publicationStats();
      this.#last = stats;
      for (const state of PUBLICATION_STATES) {
        this.#metrics.set("ws_publication_queue", stats.byState[state], { state });
      }
      const oldest = stats.oldestUnpublished;
      const age = oldest === null ? 0 : Math.max(0, (this.#clock.now() - oldest.getTime()) / 1000);
      this.#metrics.set("ws_publication_oldest_unpublished_seconds", age);
    } catch (error) {
      this.#logger.debug("publication figures unavailable", { error });
    }
  }
}
