/**
 * The publication pipeline's figures in the cluster view (v1.2): what one
 * process publishes (`NodePublication`, read from its metrics), how they
 * combine over processes (`totalPublication`), and the check of a record
 * another process wrote. The queue and the oldest age are read from the
 * shared database by every process, so they combine by `max`; the latency
 * and the counts are each process's own, so they add up.
 * @module
 */
import type { Metrics, Sample } from "../metrics/metrics.ts";
import { type Buckets, mergeBuckets, quantile } from "./histogram.ts";

/** One process's publication figures. */
export interface NodePublication {
  /** Publications by state, as last read from the database. */
  readonly queue: Readonly<Record<string, number>>;
  /** Age of the oldest approval not yet published (s), 0 when none. */
  readonly oldest_unpublished_seconds: number;
  /** Decision → published latency of the reports this process recorded (s). */
  readonly latency: Buckets;
  /** Failures by reason bucket, since the process started. */
  readonly failures: Readonly<Record<string, number>>;
  /** Attempts by outcome (`taken`, `published`, `failed`, `lapsed`), since it started. */
  readonly attempts: Readonly<Record<string, number>>;
}

/** The publication figures over every process. */
export interface TotalPublication extends NodePublication {
  /** Median decision → published latency (s), null before the first. */
  readonly latency_p50: number | null;
  /** Its 99th percentile (s), null before the first. */
  readonly latency_p99: number | null;
}

const byLabel = (samples: readonly Sample[], label: string): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const s of samples) {
    const key = String(s.labels[label] ?? "");
    out[key] = (out[key] ?? 0) + s.value;
  }
  return out;
};

/**
 * Reads this process's publication figures from its metrics.
 * @param metrics the process's metrics
 * @returns the figures
 */
export async function collectPublication(metrics: Metrics): Promise<NodePublication> {
  const [queue, oldest, latency, failures, attempts] = await Promise.all([
    metrics.samples("ws_publication_queue"),
    metrics.samples("ws_publication_oldest_unpublished_seconds"),
    metrics.histogram("ws_publication_latency_seconds"),
    metrics.samples("ws_publication_failures_total"),
    metrics.samples("ws_publication_attempts_total"),
  ]);
  return {
    queue: byLabel(queue, "state"),
    oldest_unpublished_seconds: oldest[0]?.value ?? 0,
    latency,
    failures: byLabel(failures, "reason"),
    attempts: byLabel(attempts, "outcome"),
  };
}

/**
 * Combines the processes' publication figures.
 * @param all each process's figures (those that published them)
 * @returns the total, with the latency's p50 and p99
 */
export function totalPublication(all: readonly NodePublication[]): TotalPublication {
  const queue: Record<string, number> = {};
  const failures: Record<string, number> = {};
  const attempts: Record<string, number> = {};
  for (const p of all) {
    for (const [k, v] of Object.entries(p.queue)) queue[k] = Math.max(queue[k] ?? 0, v);
    for (const [k, v] of Object.entries(p.failures)) failures[k] = (failures[k] ?? 0) + v;
    for (const [k, v] of Object.entries(p.attempts)) attempts[k] = (attempts[k] ?? 0) + v;
  }
  const latency = mergeBuckets(all.map((p) => p.latency));
  return {
    queue,
    oldest_unpublished_seconds: Math.max(0, ...all.map((p) => p.oldest_unpublished_seconds)),
    latency,
    failures,
    attempts,
    latency_p50: quantile(0.5, latency),
    latency_p99: quantile(0.99, latency),
  };
}

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isCounts = (v: unknown): boolean =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every(isNumber);

/**
 * Whether a published record's `publication` field is well formed (absent is: an older process).
 * @param v the field
 * @returns true when absent or well formed
 */
export function isNodePublication(v: unknown): boolean {
  if (v === undefined) return true;
  const p = v as NodePublication;
  const b = p?.latency;
  return typeof v === "object" && v !== null && isCounts(p.queue) && isCounts(p.failures) &&
    isCounts(p.attempts) && isNumber(p.oldest_unpublished_seconds) &&
    typeof b === "object" && b !== null && Array.isArray(b.le) && Array.isArray(b.counts) &&
    b.le.length === b.counts.length && b.le.every(isNumber) && b.counts.every(isNumber) &&
    isNumber(b.count) && isNumber(b.sum);
}
