/**
 * `NodeCollector`: this process's figures for the cluster view, read from
 * its metrics and its connection registry when asked (nothing is counted
 * twice: the metrics are the one tally).
 * @module
 */
import type { Clock } from "../clock.ts";
import type { ClientSummary } from "../connection/manager.ts";
import type { Metrics, Sample } from "../metrics/metrics.ts";
import type { DependencyState, NodeFigures } from "./figures.ts";
import { MAX_PUBLISHED_CLIENTS } from "./figures.ts";
import { collectPublication } from "./publication_figures.ts";

/** Who this process is among those sharing the log. */
export interface NodeIdentity {
  /** Unique per run: `<host>-<pid>-<random>`, at most 64 characters. */
  readonly node: string;
  /** The machine's host name (`localhost` without `--allow-sys=hostname`). */
  readonly host: string;
  /** The process id. */
  readonly pid: number;
  /** When the process started (ISO-8601 UTC). */
  readonly startedAt: string;
}

/**
 * Names this process.
 * @param now the start time (ms)
 * @returns its identity
 */
export function nodeIdentity(now: number): NodeIdentity {
  let host = "localhost";
  try {
    host = Deno.hostname();
  } catch { /* no --allow-sys=hostname: the pid and the random part still tell runs apart */ }
  const pid = Deno.pid;
  const random = crypto.randomUUID().slice(0, 8);
  return {
    node: `${host.slice(0, 40)}-${pid}-${random}`,
    host,
    pid,
    startedAt: new Date(now).toISOString(),
  };
}

/** What the collector reads. */
export interface CollectorDeps {
  /** Who this process is. */
  readonly identity: NodeIdentity;
  /** Where its counters and histograms are read. */
  readonly metrics: Metrics;
  /** Time, for `updated_at`. */
  readonly clock: Clock;
  /**
   * The alive clients of this process, oldest first, at most `limit` of them,
   * and how many there are in all.
   */
  readonly clients: (
    limit: number,
  ) => { readonly listed: readonly ClientSummary[]; readonly total: number };
  /** The event log's epoch ("" before the database first answered). */
  readonly epoch: () => string;
  /** The highest seq this process delivered. */
  readonly head: () => number;
  /** Reads the lowest seq still in the log (null when it is empty); asked every `OLDEST_EVERY_MS`. */
  readonly oldest: () => Promise<number | null>;
  /** How long the log keeps events (hours), as published. */
  readonly retentionHours: number;
  /** The database's and the broker's last known states. */
  readonly dependencies: () => { database: DependencyState; broker: DependencyState };
}

const byLabel = (samples: readonly Sample[], label: string): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const s of samples) {
    const key = String(s.labels[label] ?? "");
    out[key] = (out[key] ?? 0) + s.value;
  }
  return out;
};

const total = (samples: readonly Sample[]): number => samples.reduce((a, s) => a + s.value, 0);

/** How long the log's lowest seq is reused before it is read again (ms). */
export const OLDEST_EVERY_MS = 10_000;

/** Reads this process's figures. */
export class NodeCollector {
  readonly #d: CollectorDeps;
  #oldest = 0;
  #oldestAt = Number.NEGATIVE_INFINITY;
  #refreshing = false;

  /**
   * Creates a collector over this process's parts.
   * @param deps where the figures come from
   */
  constructor(deps: CollectorDeps) {
    this.#d = deps;
  }

  /** This process's node id. */
  get node(): string {
    return this.#d.identity.node;
  }

  /**
   * Takes the figures now.
   * @returns this process's figures
   */
  async collect(): Promise<NodeFigures> {
    const { metrics, identity } = this.#d;
    const [connections, appended, delivered, framesOut, resumes, closes, heartbeat, srEvent] =
      await Promise.all([
        metrics.samples("ws_connections"),
        metrics.samples("ws_events_appended_total"),
        metrics.samples("ws_events_delivered_total"),
        metrics.samples("ws_frames_out_total"),
        metrics.samples("ws_resumes_total"),
        metrics.samples("ws_connections_closed_total"),
        metrics.samples("ws_heartbeat_timeouts_total"),
        metrics.histogram("ws_sr_event_seconds"),
      ]);
    const oldest = this.#readOldest();
    const gauge = async (name: Parameters<typeof metrics.samples>[0]) =>
      total(await metrics.samples(name));
    const [pendingCount, oldestAge, overdue, sla] = await Promise.all([
      gauge("ws_pending_responses"),
      gauge("ws_pending_oldest_age_seconds"),
      gauge("ws_pending_overdue"),
      gauge("ws_pending_sla_seconds"),
    ]);
    const publication = await collectPublication(metrics);
    // Summarised up to the cap only: a process with 9000 clients does not
    // describe (and sort) all of them every second.
    const { listed, total: aliveTotal } = this.#d.clients(MAX_PUBLISHED_CLIENTS);
    const deps = this.#d.dependencies();
    return {
      node: identity.node,
      host: identity.host,
      pid: identity.pid,
      started_at: identity.startedAt,
      updated_at: this.#d.clock.now(),
      connections: byLabel(connections, "role"),
      events_appended: total(appended),
      events_delivered: total(delivered),
      event_frames_out: framesOut.filter((s) => s.labels.type === "EVENT")
        .reduce((a, s) => a + s.value, 0),
      resumes: byLabel(resumes, "outcome"),
      closes: byLabel(closes, "code"),
      heartbeat_timeouts: total(heartbeat),
      sr_event: srEvent,
      database: deps.database,
      broker: deps.broker,
      log: {
        epoch: this.#d.epoch(),
        head: this.#d.head(),
        oldest,
        retention_hours: this.#d.retentionHours,
      },
      pending: {
        count: pendingCount,
        oldest_age_seconds: oldestAge,
        overdue,
        sla_seconds: sla,
      },
      clients: listed.map((c) => ({
        id: c.id,
        user: c.user,
        role: c.role,
        node: identity.node,
        connected_at: c.connected_at,
        last_heartbeat: c.last_heartbeat,
        remote_address: c.remote_address,
      })),
      clients_total: aliveTotal,
      publication,
    };
  }

  /** The cached lowest seq; refreshed in the background, so a slow database never holds up `collect`. */
  #readOldest(): number {
    const now = this.#d.clock.now();
    const unknown = this.#oldest === 0 && this.#d.head() > 0;
    if (this.#refreshing || (!unknown && now - this.#oldestAt < OLDEST_EVERY_MS)) {
      return this.#oldest;
    }
    this.#refreshing = true;
    this.#oldestAt = now;
    this.#d.oldest().then((oldest) => {
      this.#oldest = oldest ?? 0;
      this.#d.metrics.set("ws_event_log_oldest", this.#oldest);
    }).catch(() => {
      // The database does not answer: keep the last value; its state shows on the dashboard.
    }).finally(() => this.#refreshing = false);
    return this.#oldest;
  }
}
