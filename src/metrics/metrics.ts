/**
 * `Metrics`: the only importer of the Prometheus client. Counters, gauges and
 * histograms are declared once in `DEFINITIONS`; `increment`, `set` and
 * `observe` are checked against those names at compile time; `getStats()`
 * gives the same figures as JSON for `/stats`.
 * @module
 */
import client from "prom-client";

/** Every metric this process exports: its kind, help text, labels (and a histogram's buckets). */
export const DEFINITIONS = {
  ws_connections: { kind: "gauge", help: "Open WebSocket connections by role", labels: ["role"] },
  ws_connections_opened_total: {
    kind: "counter",
    help: "WebSocket connections accepted",
    labels: [],
  },
  ws_connections_closed_total: {
    kind: "counter",
    help: "WebSocket connections closed, by close code",
    labels: ["code"],
  },
  ws_frames_in_total: { kind: "counter", help: "Frames received by type", labels: ["type"] },
  ws_frames_out_total: { kind: "counter", help: "Frames sent by type", labels: ["type"] },
  ws_errors_total: { kind: "counter", help: "ERROR frames sent, by code", labels: ["code"] },
  ws_heartbeat_timeouts_total: {
    kind: "counter",
    help: "Connections closed 4008 for heartbeat silence",
    labels: [],
  },
  ws_hello_timeouts_total: { kind: "counter", help: "Connections closed 4002 (no CL)", labels: [] },
  ws_revoked_connections_total: {
    kind: "counter",
    help: "Connections closed 4001 because their user's access was revoked",
    labels: [],
  },
  ws_token_expiries_total: {
    kind: "counter",
    help: "Connections closed 4001 because their token expired",
    labels: [],
  },
  ws_connections_shed_total: {
    kind: "counter",
    help: "Connections refused at accept: over a budget, or no descriptor left (fds)",
    labels: ["reason"],
  },
  ws_accept_errors_total: { kind: "counter", help: "Accept failures, by code", labels: ["code"] },
  ws_header_timeouts_total: {
    kind: "counter",
    help: "HTTP connections closed because the request head was not complete in time",
    labels: [],
  },
  ws_close_timeouts_total: {
    kind: "counter",
    help: "WebSockets dropped because the peer did not complete the close in time",
    labels: [],
  },
  ws_write_timeouts_total: {
    kind: "counter",
    help: "Connections dropped because the peer read nothing of a write within the close timeout",
    labels: [],
  },
  ws_sockets: { kind: "gauge", help: "Sockets held, by state", labels: ["state"] },
  ws_sockets_limit: {
    kind: "gauge",
    help: "Most sockets this process holds: its open-file limit less a reserve (past it: shed)",
    labels: [],
  },
  ws_slow_consumer_closes_total: {
    kind: "counter",
    help: "Connections closed 4009 (send buffer over its limit)",
    labels: [],
  },
  ws_resumes_total: {
    kind: "counter",
    help:
      "Hellos by outcome: resumed from the log, snapshot (a resume that could not be served), fresh (no resume asked)",
    labels: ["outcome"],
  },
  ws_event_log_head: { kind: "gauge", help: "Highest seq delivered by this process", labels: [] },
  ws_events_appended_total: {
    kind: "counter",
    help: "Events appended to the log by this process",
    labels: ["event"],
  },
  ws_events_delivered_total: {
    kind: "counter",
    help: "Events taken into this process's feed, by source",
    labels: ["source"],
  },
  ws_db_query_seconds: {
    kind: "histogram",
    help: "Database operation latency",
    labels: ["op"],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  },
  ws_post_fetch_total: {
    kind: "counter",
    help: "Post text fetches from VK/Telegram by outcome",
    labels: ["platform", "outcome"],
  },
  ws_post_fetch_seconds: {
    kind: "histogram",
    help: "Post text fetch latency",
    labels: ["platform"],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  },
  ws_command_seconds: {
    kind: "histogram",
    help: "Latency of the commands that wait on I/O (CL, SR, APPROVED, REJECTED), by type",
    labels: ["type"],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
  },
  ws_http_requests_total: {
    kind: "counter",
    help: "HTTP requests by route and status",
    labels: ["route", "status"],
  },
  ws_broker_messages_total: {
    kind: "counter",
    help: "Broker messages by direction",
    labels: ["direction"],
  },
  ws_broker_rejected_total: {
    kind: "counter",
    help: "Broker messages dropped: malformed, or failing authentication (signature)",
    labels: ["reason"],
  },
  ws_sr_event_seconds: {
    kind: "histogram",
    help: "From an SR's arrival to its pending EVENT handed to this process's clients",
    labels: [],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  },
  ws_dependency_up: {
    kind: "gauge",
    help: "Whether a dependency answered its last probe (1) or not (0): database, broker",
    labels: ["dependency"],
  },
  ws_node_info: {
    kind: "gauge",
    help: "Always 1: names this server process (node id, host, pid) among those sharing the log",
    labels: ["node", "host", "pid"],
  },
  ws_event_log_oldest: {
    kind: "gauge",
    help: "Lowest seq still in the event log (0 when it is empty), read every few seconds",
    labels: [],
  },
  ws_pending_responses: {
    kind: "gauge",
    help: "Responses waiting for a decision (status pending), read every few seconds",
    labels: [],
  },
  ws_pending_oldest_age_seconds: {
    kind: "gauge",
    help: "Age of the oldest pending response (0 when none is pending), read every few seconds",
    labels: [],
  },
  ws_pending_overdue: {
    kind: "gauge",
    help: "Pending responses older than SLA_MINUTES, read every few seconds",
    labels: [],
  },
  ws_pending_sla_seconds: {
    kind: "gauge",
    help: "SLA_MINUTES in seconds: a pending response older than this is overdue",
    labels: [],
  },
  ws_announced_by_scan_total: {
    kind: "counter",
    help: "Pending rows nobody announced with SR that this process announced itself",
    labels: [],
  },
  // v1.2: the publication pipeline (src/publication/).
  ws_publication_queue: {
    kind: "gauge",
    help:
      "Publications by state (held, queued, publishing, published, failed), read every few seconds",
    labels: ["state"],
  },
  ws_publication_oldest_unpublished_seconds: {
    kind: "gauge",
    help: "Age of the oldest approval not yet published (0 when none), read every few seconds",
    labels: [],
  },
  ws_publication_latency_seconds: {
    kind: "histogram",
    help: "From an approval to its published report, for the reports this process recorded",
    labels: [],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600],
  },
  ws_publication_attempts_total: {
    kind: "counter",
    help:
      "Publication attempts by outcome (taken, published, failed, lapsed), as this process recorded them",
    labels: ["outcome"],
  },
  ws_publication_failures_total: {
    kind: "counter",
    help: "Publication failures by reason bucket (a fixed set) and whether final",
    labels: ["reason", "final"],
  },
} as const;

/** The table of every metric this process exports, by name. */
export type Definitions = typeof DEFINITIONS;

/** Every metric `Metrics` defines, with its kind (the process's default metrics not included). */
export const METRIC_KINDS: Readonly<Record<string, "counter" | "gauge" | "histogram">> = Object
  .fromEntries(Object.entries(DEFINITIONS).map(([name, def]) => [name, def.kind]));
/** Names of counters. */
export type CounterName = {
  [K in keyof Definitions]: Definitions[K]["kind"] extends "counter" ? K : never;
}[keyof Definitions];
/** Names of gauges. */
export type GaugeName = {
  [K in keyof Definitions]: Definitions[K]["kind"] extends "gauge" ? K : never;
}[keyof Definitions];
/** Names of histograms. */
export type HistogramName = {
  [K in keyof Definitions]: Definitions[K]["kind"] extends "histogram" ? K : never;
}[keyof Definitions];
/** Label values of one sample. */
export type Labels = Readonly<Record<string, string | number>>;

/** One sample of a counter or gauge. */
export interface Sample {
  /** The sample's label values. */
  readonly labels: Labels;
  /** Its value. */
  readonly value: number;
}

/** A histogram's observations merged over its labels: cumulative counts per upper bound. */
export interface HistogramFigures {
  /** Upper bounds, ascending, without `+Inf`. */
  readonly le: readonly number[];
  /** Cumulative count at each bound of `le`. */
  readonly counts: readonly number[];
  /** Every observation (the `+Inf` bucket). */
  readonly count: number;
  /** The sum of every observation. */
  readonly sum: number;
}

type AnyMetric =
  | client.Counter<string>
  | client.Gauge<string>
  | client.Histogram<string>;

/** Process-wide metrics of one server. */
export class Metrics {
  /** The Prometheus registry (one per `Metrics`, so tests can make several). */
  readonly registry: client.Registry = new client.Registry();
  readonly #metrics = new Map<string, AnyMetric>();
  readonly #startedAt = Date.now();

  /** Registers every metric and the process's default metrics. */
  constructor() {
    for (const [name, def] of Object.entries(DEFINITIONS)) {
      const common = {
        name,
        help: def.help,
        labelNames: [...def.labels] as string[],
        registers: [this.registry],
      };
      const metric = def.kind === "counter"
        ? new client.Counter(common)
        : def.kind === "gauge"
        ? new client.Gauge(common)
        : new client.Histogram({
          ...common,
          buckets: [...(def as { buckets: readonly number[] }).buckets],
        });
      this.#metrics.set(name, metric);
    }
    client.collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
  }

  /**
   * Adds to a counter.
   * @param name the counter
   * @param labels its labels
   * @param by the amount (default 1)
   */
  increment(name: CounterName, labels: Labels = {}, by = 1): void {
    (this.#metrics.get(name) as client.Counter<string>).inc(labels, by);
  }

  /**
   * Sets a gauge.
   * @param name the gauge
   * @param value the value
   * @param labels its labels
   */
  set(name: GaugeName, value: number, labels: Labels = {}): void {
    (this.#metrics.get(name) as client.Gauge<string>).set(labels, value);
  }

  /**
   * Records one observation in a histogram.
   * @param name the histogram
   * @param value the value (seconds for latencies)
   * @param labels its labels
   */
  observe(name: HistogramName, value: number, labels: Labels = {}): void {
    (this.#metrics.get(name) as client.Histogram<string>).observe(labels, value);
  }

  /**
   * The samples of one counter or gauge, one per label set.
   * @param name the metric
   * @returns its samples (none before the first change of a labelled metric)
   */
  async samples(name: CounterName | GaugeName): Promise<Sample[]> {
    const { values } = await this.#metrics.get(name)!.get();
    return values.map((v) => ({ labels: v.labels as Labels, value: v.value }));
  }

  /**
   * One histogram's buckets, summed over its label sets.
   * @param name the histogram
   * @returns the cumulative counts per bound, the count and the sum
   */
  async histogram(name: HistogramName): Promise<HistogramFigures> {
    const le: number[] = [...DEFINITIONS[name].buckets];
    const counts = le.map(() => 0);
    let count = 0;
    let sum = 0;
    const { values } = await this.#metrics.get(name)!.get();
    for (const v of values as Array<{ metricName?: string; labels: Labels; value: number }>) {
      if (v.metricName?.endsWith("_sum")) sum += v.value;
      else if (v.metricName?.endsWith("_count")) count += v.value;
      else if (v.metricName?.endsWith("_bucket")) {
        const at = le.indexOf(Number(v.labels.le));
        // counts has one entry per bound, so an index found in le is one of counts.
        if (at >= 0) counts[at]! += v.value;
      }
    }
    return { le, counts, count, sum };
  }

  /** The Prometheus text exposition. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  /** The exposition's content type. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * The figures as JSON for `/stats`: each counter and gauge by its labels,
   * each histogram as count and sum.
   * @returns name → value, or name → { "label=value,…": value }
   */
  async getStats(): Promise<{ readonly uptime_seconds: number; readonly [name: string]: unknown }> {
    const out: { uptime_seconds: number; [name: string]: unknown } = {
      uptime_seconds: Math.round((Date.now() - this.#startedAt) / 1000),
    };
    for (const [name, metric] of this.#metrics) {
      const { values } = await metric.get();
      const def = DEFINITIONS[name as keyof Definitions];
      if (def.kind === "histogram") {
        const series: Record<string, { count: number; sum: number }> = {};
        for (const v of values as Array<{ metricName?: string; labels: Labels; value: number }>) {
          const part = v.metricName?.endsWith("_count")
            ? "count"
            : v.metricName?.endsWith("_sum")
            ? "sum"
            : null;
          if (part === null) continue;
          (series[labelKey(v.labels)] ??= { count: 0, sum: 0 })[part] = v.value;
        }
        out[name] = series;
      } else if (def.labels.length === 0) {
        out[name] = values[0]?.value ?? 0;
      } else {
        out[name] = Object.fromEntries(values.map((v) => [labelKey(v.labels as Labels), v.value]));
      }
    }
    return out;
  }
}

function labelKey(labels: Labels): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",") || "total";
}
