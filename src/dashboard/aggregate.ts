/**
 * The cluster view: the figures of every process sharing the log, and their
 * total. Pure, so the sums are table-tested.
 * @module
 */
import type { ClientFigure, DependencyState, NodeFigures, PendingFigures } from "./figures.ts";
import { type Buckets, mergeBuckets, quantile } from "./histogram.ts";
import {
  type NodePublication,
  type TotalPublication,
  totalPublication,
} from "./publication_figures.ts";

/** The sums over every process. */
export interface TotalFigures {
  /** How many processes published fresh figures. */
  readonly nodes: number;
  /** Open connections by role, summed. */
  readonly connections: Readonly<Record<string, number>>;
  /** Events appended to the log by every process. */
  readonly events_appended: number;
  /** Events delivered to clients by every process. */
  readonly events_delivered: number;
  /** `EVENT` frames sent by every process. */
  readonly event_frames_out: number;
  /** Hellos by resume outcome, summed. */
  readonly resumes: Readonly<Record<string, number>>;
  /** Closed connections by close code, summed. */
  readonly closes: Readonly<Record<string, number>>;
  /** Connections closed 4008 for silence, summed. */
  readonly heartbeat_timeouts: number;
  /** SR → EVENT latency buckets, merged over the processes. */
  readonly sr_event: Buckets;
  /** SR → EVENT median and 99th percentile since the processes started (s), null without SRs. */
  readonly sr_event_p50: number | null;
  /** The 99th percentile of the same (s), null without SRs. */
  readonly sr_event_p99: number | null;
  /** `ok` when every process says so, `down` when any says `down`; `off` when every broker is. */
  readonly database: DependencyState;
  /** The broker's state over the processes, by the same rule. */
  readonly broker: DependencyState;
  /** The shared log: head, oldest seq held, retention. */
  readonly log: {
    readonly head: number;
    readonly oldest: number;
    readonly retention_hours: number;
  };
  /** Alive clients over every process. */
  readonly clients_total: number;
  /** (v1.2) The pending replies (every process reads the same database: the freshest wins). */
  readonly pending: PendingFigures | null;
  /** (v1.2) The publication pipeline over every process. */
  readonly publication: TotalPublication;
}

/** One process's entry of the cluster view (its clients are in `ClusterFigures.clients`). */
export type NodeSummary = Omit<NodeFigures, "clients"> & {
  readonly sr_event_p50: number | null;
  readonly sr_event_p99: number | null;
  /** How old these figures were when the view was made (ms). */
  readonly age_ms: number;
};

/** The whole cluster at one moment. */
export interface ClusterFigures {
  /** ms since the epoch. */
  readonly generated_at: number;
  /** The node id of the process that answered. */
  readonly self: string;
  /** Each process's figures. */
  readonly nodes: readonly NodeSummary[];
  /** The sums over them. */
  readonly total: TotalFigures;
  /** Every process's listed clients, oldest connection first. */
  readonly clients: readonly ClientFigure[];
}

function addInto(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

function combine(states: readonly DependencyState[]): DependencyState {
  if (states.includes("down")) return "down";
  return states.includes("ok") ? "ok" : "off";
}

/**
 * Sums the processes' figures.
 * @param nodes each process's latest figures (one per node)
 * @returns the total
 */
export function totalOf(nodes: readonly NodeFigures[]): TotalFigures {
  const connections: Record<string, number> = {};
  const resumes: Record<string, number> = {};
  const closes: Record<string, number> = {};
  for (const n of nodes) {
    addInto(connections, n.connections);
    addInto(resumes, n.resumes);
    addInto(closes, n.closes);
  }
  const sum = (pick: (n: NodeFigures) => number) => nodes.reduce((a, n) => a + pick(n), 0);
  const srEvent = mergeBuckets(nodes.map((n) => n.sr_event));
  const oldest = nodes.map((n) => n.log.oldest).filter((s) => s > 0);
  return {
    nodes: nodes.length,
    connections,
    events_appended: sum((n) => n.events_appended),
    events_delivered: sum((n) => n.events_delivered),
    event_frames_out: sum((n) => n.event_frames_out),
    resumes,
    closes,
    heartbeat_timeouts: sum((n) => n.heartbeat_timeouts),
    sr_event: srEvent,
    sr_event_p50: quantile(0.5, srEvent),
    sr_event_p99: quantile(0.99, srEvent),
    database: combine(nodes.map((n) => n.database)),
    broker: combine(nodes.map((n) => n.broker)),
    log: {
      head: Math.max(0, ...nodes.map((n) => n.log.head)),
      oldest: oldest.length > 0 ? Math.min(...oldest) : 0,
      retention_hours: Math.max(0, ...nodes.map((n) => n.log.retention_hours)),
    },
    clients_total: sum((n) => n.clients_total),
    pending: [...nodes].sort((a, b) => b.updated_at - a.updated_at)
      .find((n) => n.pending !== undefined)?.pending ?? null,
    publication: totalPublication(
      nodes.map((n) => n.publication).filter((p): p is NodePublication => p !== undefined),
    ),
  };
}

/**
 * Makes the cluster view.
 * @param nodes each process's latest figures
 * @param self the answering process's node id
 * @param now the current time (ms)
 * @returns the nodes by host and pid, their total, and every listed client
 */
export function clusterOf(
  nodes: readonly NodeFigures[],
  self: string,
  now: number,
): ClusterFigures {
  const sorted = [...nodes].sort((a, b) =>
    a.host === b.host ? a.pid - b.pid || a.node.localeCompare(b.node) : a.host.localeCompare(b.host)
  );
  const clients = sorted.flatMap((n) => n.clients)
    .sort((a, b) => a.connected_at.localeCompare(b.connected_at) || a.id.localeCompare(b.id));
  return {
    generated_at: now,
    self,
    nodes: sorted.map(({ clients: _clients, ...rest }) => ({
      ...rest,
      sr_event_p50: quantile(0.5, rest.sr_event),
      sr_event_p99: quantile(0.99, rest.sr_event),
      age_ms: Math.max(0, now - rest.updated_at),
    })),
    total: totalOf(sorted),
    clients,
  };
}
