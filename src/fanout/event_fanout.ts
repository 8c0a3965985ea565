/**
 * `EventFanout`: the one seam a committed event goes through after its
 * append, as socket.io's adapter has one `broadcast()`. The handler that
 * appended it calls `publish` explicitly; the fan-out counts it, hands it to
 * this process's feed (its own clients get it at once) and to the broker
 * (the other processes get it without waiting for their log reads).
 * @module
 */
import type { Broker } from "../broker/broker.ts";
import type { Logger } from "../logging/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { Seq } from "../protocol/types.ts";
import type { StoredEvent } from "../store/rows.ts";

/** Where committed events go. */
export interface EventFanout {
  /**
   * Delivers an event that was just committed: to this process's clients and
   * to the other processes. Never throws; a broker failure is logged (the log
   * holds the event, and the others read it from there).
   * @param event the event as appended
   */
  publish(event: StoredEvent): void;
}

/** What `ProcessFanout` hands events to. */
export interface ProcessFanoutOptions {
  /** Counts appended events by kind (`ws_events_appended_total`). */
  readonly metrics: Metrics;
  /** This process's feed (orders events by `seq`, fills gaps from the log). */
  readonly feed: { offer(seq: Seq, frame: string, source: "local"): void };
  /** The broker now, or null while it is not set up. */
  readonly broker: () => Broker | null;
  /** Where a failed publish is reported. */
  readonly logger: Logger;
  /** Told of each event before it is delivered (the SR→EVENT timer). */
  readonly onPublish?: (event: StoredEvent) => void;
}

/** The fan-out of one server process. */
export class ProcessFanout implements EventFanout {
  readonly #o: ProcessFanoutOptions;

  /**
   * A fan-out into one process's feed and broker.
   * @param options the metrics, feed, broker and logger
   */
  constructor(options: ProcessFanoutOptions) {
    this.#o = options;
  }

  /**
   * Counts the event, then hands it to the feed and the broker.
   * @param event the event as appended
   */
  publish(event: StoredEvent): void {
    const { metrics, feed, broker, logger, onPublish } = this.#o;
    metrics.increment("ws_events_appended_total", { event: event.kind });
    onPublish?.(event);
    feed.offer(event.seq, event.frame, "local");
    broker()?.publish(event).catch((error) => logger.warn("broker publish failed", { error }));
  }
}
