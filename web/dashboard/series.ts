/**
 * The dashboard's memory: one sample per poll of `/api/dashboard`, kept for
 * a few minutes, and the figures derived between two samples (per-second
 * rates of counters, latency quantiles of the observations in between).
 * Pure, so it is unit-tested without a browser.
 * @module
 */
import type { ClusterFigures } from "../../src/dashboard/aggregate.ts";
import { bucketsSince, quantile } from "../../src/dashboard/histogram.ts";

/** One point of every chart. */
export interface Point {
  /** Seconds since the epoch (uPlot's x). */
  readonly t: number;
  readonly byRole: Readonly<Record<string, number>>;
  /** Connections per process, by node id. */
  readonly byNode: Readonly<Record<string, number>>;
  readonly appendedPerSec: number;
  readonly deliveredPerSec: number;
  /** SR → EVENT over the latency window, ms (null without SRs in it). */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly resumedPerSec: number;
  readonly snapshotPerSec: number;
  readonly freshPerSec: number;
  readonly heartbeatTimeoutsPerSec: number;
  readonly closesPerSec: number;
}

/** The roles charted, in order. */
export const ROLES = ["operator", "admin", "module"] as const;

/** Connections of a node as the chart counts them (authenticated or not). */
export const nodeConnections = (c: Readonly<Record<string, number>>): number =>
  Object.values(c).reduce((a, n) => a + n, 0);

const sumOf = (r: Readonly<Record<string, number>>) => Object.values(r).reduce((a, n) => a + n, 0);

/** A counter's increase, restarting from zero when it went down (a process restarted). */
function increase(before: number, after: number): number {
  return after >= before ? after - before : after;
}

/**
 * The rates and quantiles between two readings of the cluster. Counters are
 * compared node by node, so a node that appeared or restarted counts from zero.
 * @param prev the earlier reading (null for the first)
 * @param next the later reading
 * @param latencyFrom the reading the latency window starts at (default `prev`)
 * @returns the point for `next`
 */
export function pointBetween(
  prev: ClusterFigures | null,
  next: ClusterFigures,
  latencyFrom: ClusterFigures | null = prev,
): Point {
  const seconds = prev === null
    ? 0
    : Math.max(0.001, (next.generated_at - prev.generated_at) / 1000);
  const before = new Map((prev?.nodes ?? []).map((n) => [n.node, n]));
  const windowStart = new Map((latencyFrom?.nodes ?? []).map((n) => [n.node, n]));
  let appended = 0;
  let delivered = 0;
  let resumed = 0;
  let snapshot = 0;
  let fresh = 0;
  let timeouts = 0;
  let closes = 0;
  const windows = [];
  for (const n of next.nodes) {
    const b = before.get(n.node);
    if (b === undefined) continue; // a new node: no interval to compare yet
    appended += increase(b.events_appended, n.events_appended);
    delivered += increase(b.events_delivered, n.events_delivered);
    resumed += increase(b.resumes.resumed ?? 0, n.resumes.resumed ?? 0);
    snapshot += increase(b.resumes.snapshot ?? 0, n.resumes.snapshot ?? 0);
    fresh += increase(b.resumes.fresh ?? 0, n.resumes.fresh ?? 0);
    timeouts += increase(b.heartbeat_timeouts, n.heartbeat_timeouts);
    closes += increase(sumOf(b.closes), sumOf(n.closes));
  }
  for (const n of next.nodes) {
    const w = windowStart.get(n.node);
    if (w !== undefined) windows.push(bucketsSince(w.sr_event, n.sr_event));
  }
  const window = windows.length === 0 ? null : windows.reduce((a, w) => ({
    le: a.le,
    counts: a.counts.map((c, i) => c + (w.counts[i] ?? 0)),
    count: a.count + w.count,
    sum: a.sum + w.sum,
  }));
  const perSec = (n: number) => seconds === 0 ? 0 : n / seconds;
  const ms = (q: number) => {
    const v = window === null ? null : quantile(q, window);
    return v === null ? null : v * 1000;
  };
  const byRole: Record<string, number> = {};
  for (const role of ROLES) byRole[role] = next.total.connections[role] ?? 0;
  return {
    t: next.generated_at / 1000,
    byRole,
    byNode: Object.fromEntries(next.nodes.map((n) => [n.node, nodeConnections(n.connections)])),
    appendedPerSec: perSec(appended),
    deliveredPerSec: perSec(delivered),
    p50Ms: ms(0.5),
    p99Ms: ms(0.99),
    resumedPerSec: perSec(resumed),
    snapshotPerSec: perSec(snapshot),
    freshPerSec: perSec(fresh),
    heartbeatTimeoutsPerSec: perSec(timeouts),
    closesPerSec: perSec(closes),
  };
}

/** The last `capacity` points. */
export class History {
  readonly #capacity: number;
  readonly #latencyWindow: number;
  #points: Point[] = [];
  /** The last readings, up to the latency window's length plus one. */
  #readings: ClusterFigures[] = [];

  /**
   * @param capacity how many points to keep
   * @param latencyWindow over how many intervals latency quantiles are taken (default 10)
   */
  constructor(capacity: number, latencyWindow = 10) {
    this.#capacity = capacity;
    this.#latencyWindow = latencyWindow;
  }

  /** The points, oldest first. */
  get points(): readonly Point[] {
    return this.#points;
  }

  /**
   * Adds a reading.
   * @param figures the cluster as just read
   * @returns the new point
   */
  add(figures: ClusterFigures): Point {
    const point = pointBetween(this.#readings.at(-1) ?? null, figures, this.#readings[0] ?? null);
    this.#readings.push(figures);
    if (this.#readings.length > this.#latencyWindow) this.#readings.shift();
    this.#points.push(point);
    if (this.#points.length > this.#capacity) {
      this.#points.splice(0, this.#points.length - this.#capacity);
    }
    return point;
  }

  /**
   * Every node seen in the kept points, in order of first appearance.
   * @returns node ids
   */
  nodes(): string[] {
    const seen = new Set<string>();
    for (const p of this.#points) for (const n of Object.keys(p.byNode)) seen.add(n);
    return [...seen];
  }
}
