/**
 * The fault suite's checker, in the spirit of Jepsen's total-queue: a pure
 * function from a `History` to the anomalies it contains and a summary.
 *
 * - the log is contiguous from 1, holds at most one `pending` and at most
 *   one decision per response, and a no `pending` follows a decision;
 * - every acknowledged `SR` and decision is in the log once, at the `seq`
 *   its `ACK` named; an indeterminate command may or may not be there;
 * - a refusal is justified (`not_pending` only when the log has a decision;
 *   `unavailable` only inside an allowed fault window; nothing else);
 * - every `responses` row agrees with the log's decision;
 * - connections are checked by `checkConnections` (connections.ts).
 * The rules live in log_rules.ts, op_rules.ts and connections.ts.
 * @module
 */
import { checkConnections } from "./connections.ts";
import type { History } from "./history.ts";
import { byResponse, checkLog, checkRows } from "./log_rules.ts";
import { checkOps } from "./op_rules.ts";

/** A kind of anomaly the checker reports. */
export type AnomalyKind =
  | "log_not_contiguous"
  | "duplicate_pending"
  | "duplicate_decision"
  | "decision_before_pending"
  | "lost_ack"
  | "wrong_ack"
  | "unjustified_refusal"
  | "unexpected_error"
  | "unavailable_while_up"
  | "connection_gap"
  | "frame_mismatch"
  | "resume_refused"
  | "epoch_changed"
  | "client_missed"
  | "missing_1012"
  | "row_mismatch";

/** One thing the history shows went wrong. */
export interface Anomaly {
  readonly kind: AnomalyKind;
  readonly message: string;
}

/** What the checker tolerates. */
export interface CheckOptions {
  /** How long after a fault's recovery `unavailable` is still excused (ms). */
  readonly graceMs: number;
  /**
   * Whether `unavailable` is excused while Redis is down. The contract says no
   * (PROTOCOL.md §2, §3.3: the broker is never a dependency), so the strict
   * default is `false`.
   */
  readonly allowUnavailableWhileBrokerDown: boolean;
  /**
   * Whether `unavailable` from one process is excused while another is
   * stopped (SIGSTOP). The contract says no (the database answers), so the
   * strict default is `false`; but a peer stopped inside an append holds the
   * log's row lock, and today that makes the others' readiness probe time out.
   */
  readonly allowUnavailableWhilePeerPaused: boolean;
  /**
   * Whether a client of a process stopped with SIGTERM may see its connection
   * end without a close frame (Deno's client reports 0, a browser 1006)
   * instead of 1012. The contract says 1012, so the strict default is `false`.
   */
  readonly allowResetOnTerm: boolean;
}

/** The default tolerances: strict, as the contract is. */
export const DEFAULT_CHECK_OPTIONS: CheckOptions = {
  graceMs: 3000,
  allowUnavailableWhileBrokerDown: false,
  allowUnavailableWhilePeerPaused: false,
  allowResetOnTerm: false,
};

/** Counts for the run's summary line. */
export interface Summary {
  readonly operations: number;
  readonly acked: number;
  readonly indeterminate: number;
  readonly refused: Readonly<Record<string, number>>;
  /**
   * `unavailable` answers by the window they fell in: a fault's kind, or
   * `broker_only` (only Redis was down), `peer_paused` (only another process was stopped).
   */
  readonly unavailableIn: Readonly<Record<string, number>>;
  /** How the connections open at a SIGTERM ended, by close code. */
  readonly termCloses: Readonly<Record<string, number>>;
  readonly events: number;
  readonly clients: number;
  readonly connections: number;
  readonly reconnects: number;
  readonly resumed: number;
  readonly faults: Readonly<Record<string, number>>;
}

/** The checker's verdict. */
export interface Verdict {
  readonly anomalies: readonly Anomaly[];
  readonly summary: Summary;
}

function count<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const c: Record<string, number> = {};
  for (const it of items) c[key(it)] = (c[key(it)] ?? 0) + 1;
  return c;
}

function summarize(
  h: History,
  unavailableIn: Record<string, number>,
  termCloses: Record<string, number>,
): Summary {
  const clients = new Set(h.connections.map((c) => c.client)).size;
  return {
    operations: h.ops.length,
    acked: h.ops.filter((o) => o.outcome.kind === "ack").length,
    indeterminate: h.ops.filter((o) => o.outcome.kind === "indeterminate").length,
    refused: count(
      h.ops.filter((o) => o.outcome.kind === "error"),
      (o) => (o.outcome as { code: string }).code,
    ),
    unavailableIn,
    termCloses,
    events: h.log.length,
    clients,
    connections: h.connections.length,
    reconnects: h.connections.length - clients,
    resumed: h.connections.filter((c) => c.welcome?.resumed).length,
    faults: count(h.faults, (f) => f.kind),
  };
}

/**
 * Judges a history.
 * @param h what the run recorded
 * @param options tolerances (default: strict)
 * @returns the anomalies (none for a correct run) and the summary
 */
export function check(h: History, options: CheckOptions = DEFAULT_CHECK_OPTIONS): Verdict {
  const anomalies: Anomaly[] = [];
  const responses = byResponse(h.log);
  const bySeq = new Map(h.log.map((e) => [e.seq, e]));
  checkLog(h.log, responses, anomalies);
  checkRows(h.responses, responses, anomalies);
  const unavailableIn = checkOps(h, bySeq, responses, options, anomalies);
  const termCloses = checkConnections(h, bySeq, options, anomalies);
  return { anomalies, summary: summarize(h, unavailableIn, termCloses) };
}
