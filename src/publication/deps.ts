/**
 * What the pipeline's command handlers and scheduler need besides the
 * store: the settings, the card renderer for `reopened`, where outcomes are
 * counted, and a way to wake the scheduler early.
 * @module
 */
import type { Metrics } from "../metrics/metrics.ts";
import type { PublicationSettings } from "./policy.ts";
import { failureBucket } from "./reasons.ts";
import type { CardBuilder } from "./store_types.ts";

/** Told of each outcome the process records (for `/metrics`). */
export interface PublicationObserver {
  /** Jobs handed out by a `TAKE`. */
  taken(count: number): void;
  /** A publication recorded, `seconds` after its approval. */
  published(seconds: number): void;
  /** A failure recorded (a report, or a lease that lapsed on the last attempt). */
  failed(reason: string, final: boolean): void;
  /** Leases that lapsed with no report. */
  lapsed(count: number): void;
}

/** Wakes the scheduler at a time it would otherwise reach only on its next tick. */
export interface SchedulerWaker {
  /**
   * Asks for a scheduler step at `ms` (ms since the epoch).
   * @param ms when
   */
  wakeAt(ms: number): void;
}

/** The pipeline's dependencies. */
export interface PublicationDeps {
  /** `UNDO_WINDOW_MS` and the rest. */
  readonly settings: PublicationSettings;
  /** Renders a reopened response's card. */
  readonly card: CardBuilder;
  /** Counts outcomes. */
  readonly observer: PublicationObserver;
  /** Wakes the scheduler when a window closes. */
  readonly waker: SchedulerWaker;
}

/** Counts the pipeline's outcomes in the process's Prometheus metrics. */
export class MetricsObserver implements PublicationObserver {
  readonly #metrics: Metrics;

  /**
   * An observer over a process's metrics.
   * @param metrics the process's metrics
   */
  constructor(metrics: Metrics) {
    this.#metrics = metrics;
  }

  /** Counts jobs taken. @param count how many */
  taken(count: number): void {
    if (count > 0) {
      this.#metrics.increment("ws_publication_attempts_total", { outcome: "taken" }, count);
    }
  }

  /** Counts a publication and its latency. @param seconds since the approval */
  published(seconds: number): void {
    this.#metrics.increment("ws_publication_attempts_total", { outcome: "published" });
    this.#metrics.observe("ws_publication_latency_seconds", Math.max(0, seconds));
  }

  /**
   * Counts a failure by its reason's bucket.
   * @param reason the module's text
   * @param final whether it ended the publication
   */
  failed(reason: string, final: boolean): void {
    this.#metrics.increment("ws_publication_attempts_total", { outcome: "failed" });
    this.#metrics.increment("ws_publication_failures_total", {
      reason: failureBucket(reason),
      final: String(final),
    });
  }

  /** Counts lapsed leases. @param count how many */
  lapsed(count: number): void {
    if (count > 0) {
      this.#metrics.increment("ws_publication_attempts_total", { outcome: "lapsed" }, count);
    }
  }
}
