/**
 * The figures one server process publishes for the cluster view (the
 * dashboard and `/stats`), their JSON shape, and the check that a published
 * record from another process is one (what comes through Redis or the
 * database is data to verify, never trusted as typed).
 * @module
 */
import type { Buckets } from "./histogram.ts";
import { isNodePublication, type NodePublication } from "./publication_figures.ts";

/** A dependency's last known state; `off` for a broker that is not configured. */
export type DependencyState = "ok" | "down" | "off";

/** One alive client as the cluster view lists it. */
export interface ClientFigure {
  /** The connection's id. */
  readonly id: string;
  /** Its user, null before `CL`. */
  readonly user: string | null;
  /** Its role, null before `CL`. */
  readonly role: string | null;
  /** The node id of the process holding the connection. */
  readonly node: string;
  /** When it opened (ISO-8601 UTC). */
  readonly connected_at: string;
  /** When it last sent a frame (ISO-8601 UTC). */
  readonly last_heartbeat: string;
  /** The peer's address. */
  readonly remote_address: string;
}

/** What one process publishes about itself, about once a second. */
export interface NodeFigures {
  /** Unique per process run. */
  readonly node: string;
  /** The machine's host name. */
  readonly host: string;
  /** The process id. */
  readonly pid: number;
  /** When the process started (ISO-8601 UTC). */
  readonly started_at: string;
  /** When these figures were taken, ms since the epoch. */
  readonly updated_at: number;
  /** Open connections by role (`operator`, `admin`, `module`, `unauthenticated`). */
  readonly connections: Readonly<Record<string, number>>;
  /** Events this process appended to the log, since it started. */
  readonly events_appended: number;
  /** Events this process delivered to its clients (from any source), since it started. */
  readonly events_delivered: number;
  /** `EVENT` frames sent to clients, since it started. */
  readonly event_frames_out: number;
  /** Hellos by resume outcome (`resumed`, `snapshot`, `fresh`). */
  readonly resumes: Readonly<Record<string, number>>;
  /** Closed connections by close code. */
  readonly closes: Readonly<Record<string, number>>;
  /** Connections closed 4008 for silence, since it started. */
  readonly heartbeat_timeouts: number;
  /** SR → EVENT latency of the SRs this process accepted (seconds). */
  readonly sr_event: Buckets;
  /** Whether the database answered at the last check. */
  readonly database: DependencyState;
  /** Whether the broker answered, `off` when none is configured. */
  readonly broker: DependencyState;
  /** The log as this process sees it. */
  readonly log: {
    readonly epoch: string;
    readonly head: number;
    /** Lowest seq still held, 0 when none. */
    readonly oldest: number;
    readonly retention_hours: number;
  };
  /** (v1.2) The pending replies as this process last read them (the database's, shared). */
  readonly pending?: PendingFigures;
  /** The alive clients (at most `MAX_PUBLISHED_CLIENTS`). */
  readonly clients: readonly ClientFigure[];
  /** How many alive clients it has (may exceed `clients.length`). */
  readonly clients_total: number;
  /** (v1.2) The publication pipeline's figures; absent from an older process. */
  readonly publication?: NodePublication;
}

/** Most clients one process lists in its published figures (the rest are only counted). */
export const MAX_PUBLISHED_CLIENTS = 500;

const isRecordOfNumbers = (v: unknown): v is Record<string, number> =>
  typeof v === "object" && v !== null && !Array.isArray(v) &&
  Object.values(v).every((n) => typeof n === "number" && Number.isFinite(n));

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isState = (v: unknown): v is DependencyState => v === "ok" || v === "down" || v === "off";

function isBuckets(v: unknown): v is Buckets {
  const b = v as Buckets;
  return typeof v === "object" && v !== null && Array.isArray(b.le) && Array.isArray(b.counts) &&
    b.le.length === b.counts.length && b.le.every(isNumber) && b.counts.every(isNumber) &&
    isNumber(b.count) && isNumber(b.sum);
}

function isClient(v: unknown): v is ClientFigure {
  const c = v as ClientFigure;
  const strOrNull = (s: unknown) => s === null || typeof s === "string";
  return typeof v === "object" && v !== null && typeof c.id === "string" &&
    strOrNull(c.user) && strOrNull(c.role) && typeof c.node === "string" &&
    typeof c.connected_at === "string" && typeof c.last_heartbeat === "string" &&
    typeof c.remote_address === "string";
}

/**
 * Parses a published record.
 * @param text the JSON text another process wrote
 * @returns the figures, or null when the text is not a well-formed record
 */
export function parseNodeFigures(text: string): NodeFigures | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  const f = v as NodeFigures;
  if (typeof v !== "object" || v === null) return null;
  const ok = typeof f.node === "string" && f.node !== "" && typeof f.host === "string" &&
    isNumber(f.pid) && typeof f.started_at === "string" && isNumber(f.updated_at) &&
    isRecordOfNumbers(f.connections) && isNumber(f.events_appended) &&
    isNumber(f.events_delivered) && isNumber(f.event_frames_out) &&
    isRecordOfNumbers(f.resumes) && isRecordOfNumbers(f.closes) &&
    isNumber(f.heartbeat_timeouts) && isBuckets(f.sr_event) && isState(f.database) &&
    isState(f.broker) && typeof f.log === "object" && f.log !== null &&
    typeof f.log.epoch === "string" && isNumber(f.log.head) && isNumber(f.log.oldest) &&
    isNumber(f.log.retention_hours) && Array.isArray(f.clients) && f.clients.every(isClient) &&
    isNumber(f.clients_total) && isNodePublication(f.publication);
  return ok ? f : null;
}

/** (v1.2) The pending replies' figures of `/metrics`, for the dashboard. */
export interface PendingFigures {
  /** Pending responses. */
  readonly count: number;
  /** Age of the oldest (s), 0 when none. */
  readonly oldest_age_seconds: number;
  /** Older than `SLA_MINUTES`. */
  readonly overdue: number;
  /** `SLA_MINUTES` in seconds. */
  readonly sla_seconds: number;
}
