/**
 * What a fault run records, in the spirit of a Jepsen history: every
 * command with its outcome (acknowledged, refused, or indeterminate when
 * its answer never came), every connection with what it received, the
 * faults with their windows, and the event log as the database holds it at
 * the end. The checker (`checker.ts`) judges a `History`; the workload only
 * writes one. Times are milliseconds on one monotonic clock of the run.
 * @module
 */

/** How a command ended, as its client saw it. */
export type Outcome =
  | { readonly kind: "ack"; readonly seq: number; readonly duplicate: boolean }
  | { readonly kind: "error"; readonly code: string }
  /** No answer: the connection dropped or the wait timed out. It may or may not have happened. */
  | { readonly kind: "indeterminate"; readonly why: string };

/** What a command asked for. */
export type OpKind = "hello" | "sr" | "approve" | "reject";

/** One command and its outcome. */
export interface Op {
  /** The user or module name (the token's `sub`): a decision's `by`. */
  readonly client: string;
  readonly kind: OpKind;
  /** The response (0 for `hello`, the `CL` of a connection). */
  readonly responseId: number;
  /** Index of the server process it was sent to. */
  readonly process: number;
  /** A WebSocket frame or `POST /api/sr`. */
  readonly via: "ws" | "http";
  readonly start: number;
  readonly end: number;
  readonly outcome: Outcome;
}

/** One `EVENT` a connection received, exactly as it arrived. */
export interface Received {
  readonly seq: number;
  /** The frame's JSON text. */
  readonly text: string;
  /** When it arrived (ms on the run's clock); absent in hand-made histories. */
  readonly at?: number;
}

/** One WebSocket connection of an operator or module. */
export interface ConnectionRecord {
  readonly client: string;
  /** 0, 1, 2 … for this client's successive connections. */
  readonly index: number;
  readonly process: number;
  readonly openedAt: number;
  /** The position sent in `CL`, or null for a fresh start. */
  readonly resume: { readonly epoch: string; readonly last_seq: number } | null;
  welcome: { readonly epoch: string; readonly seq: number; readonly resumed: boolean } | null;
  /** `SNAPSHOT.seq` when the server sent one. */
  snapshotSeq: number | null;
  readonly events: Received[];
  closedAt: number | null;
  closeCode: number | null;
  /** Who ended it: the client itself (a hop, a gap, a silent server) or the server/network. */
  closedBy: "client" | "server" | null;
}

/** A kind of fault the run injects. */
export type FaultKind =
  /** SIGKILL of a server process, then a restart on the same port. */
  | "kill"
  /** SIGSTOP of a server process, then SIGCONT. */
  | "pause"
  /** SIGTERM of a server process (clients should see 1012), then a restart. */
  | "term"
  /** SIGKILL of Redis, then a restart. */
  | "broker_kill"
  /** SIGKILL of MariaDB, then a restart on the same data directory. */
  | "db_kill";

/** One injected fault, from the signal to the recovery (the restart answering). */
export interface Fault {
  readonly kind: FaultKind;
  /** The server process it hit, or null for Redis and MariaDB. */
  readonly process: number | null;
  readonly start: number;
  readonly end: number;
}

/** One row of `ws_events`. */
export interface LogEntry {
  readonly seq: number;
  readonly kind: string;
  readonly responseId: number;
  /** The stored `EVENT` frame's JSON text. */
  readonly frame: string;
}

/** A `responses` row at the end of the run. */
export interface ResponseRow {
  readonly id: number;
  readonly status: string;
  readonly decidedBy: string | null;
}

/** Everything a run recorded. */
export interface History {
  readonly ops: readonly Op[];
  readonly connections: readonly ConnectionRecord[];
  readonly faults: readonly Fault[];
  /** The log at the end, ascending by `seq`. */
  readonly log: readonly LogEntry[];
  /** The `responses` table at the end. */
  readonly responses: readonly ResponseRow[];
  /** The log's epoch (`ws_meta.epoch`). */
  readonly epoch: string;
  /** Clients whose connections must, together, have received every event up to the head. */
  readonly followers: readonly string[];
}
