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
 * - connections are checked by `checkConnections` (connections.ts).
 * @module
 */
import { checkConnections } from "./connections.ts";
import type { Fault, History, LogEntry, Op } from "./history.ts";

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
  | "missing_1012";

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
}

/** The default tolerances: strict about the broker. */
export const DEFAULT_CHECK_OPTIONS: CheckOptions = {
  graceMs: 3000,
  allowUnavailableWhileBrokerDown: false,
};

/** Counts for the run's summary line. */
export interface Summary {
  readonly operations: number;
  readonly acked: number;
  readonly indeterminate: number;
  readonly refused: Readonly<Record<string, number>>;
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

/** The per-response view of the log. */
interface ResponseLog {
  pending: LogEntry[];
  decisions: LogEntry[];
}

function byResponse(log: readonly LogEntry[]): Map<number, ResponseLog> {
  const map = new Map<number, ResponseLog>();
  for (const e of log) {
    let r = map.get(e.responseId);
    if (!r) map.set(e.responseId, r = { pending: [], decisions: [] });
    if (e.kind === "pending") r.pending.push(e);
    else if (e.kind === "approved" || e.kind === "rejected") r.decisions.push(e);
  }
  return map;
}

function decidedBy(e: LogEntry): string | undefined {
  try {
    return JSON.parse(e.frame).by;
  } catch {
    return undefined;
  }
}

function checkLog(log: readonly LogEntry[], responses: Map<number, ResponseLog>, out: Anomaly[]) {
  log.forEach((e, i) => {
    if (e.seq !== i + 1) {
      out.push({ kind: "log_not_contiguous", message: `log[${i}] has seq ${e.seq}` });
    }
  });
  for (const [id, r] of responses) {
    if (r.pending.length > 1) {
      const seqs = r.pending.map((e) => e.seq).join(", ");
      out.push({ kind: "duplicate_pending", message: `response ${id}: pending at ${seqs}` });
    }
    if (r.decisions.length > 1) {
      const seqs = r.decisions.map((e) => `${e.kind}@${e.seq}`).join(", ");
      out.push({ kind: "duplicate_decision", message: `response ${id}: ${seqs}` });
    }
    const d = r.decisions[0];
    const p = d && r.pending.find((e) => e.seq > d.seq);
    if (p) {
      out.push({
        kind: "decision_before_pending",
        message: `response ${id}: ${d.kind}@${d.seq} before pending@${p.seq}`,
      });
    }
  }
}

const DECISION_KIND = { approve: "approved", reject: "rejected" } as const;

function describe(op: Op): string {
  return `${op.client} ${op.kind} ${op.responseId} via ${op.via} on p${op.process} ` +
    `[${op.start}–${op.end} ms]`;
}

/** Why an acknowledged command's `seq` is not its event, or null when it is. */
function wrongAck(
  op: Op,
  ack: { seq: number; duplicate: boolean },
  entry: LogEntry,
  r?: ResponseLog,
) {
  if (op.kind === "hello") return null;
  if (entry.responseId !== op.responseId) return `that is response ${entry.responseId}`;
  if (op.kind === "sr") {
    if (entry.kind !== "pending") return `that is a ${entry.kind} event`;
    const first = r?.pending[0];
    return first && first.seq !== ack.seq ? `the response's pending event is ${first.seq}` : null;
  }
  const decision = entry.kind === "approved" || entry.kind === "rejected";
  // A repeat by the same user names the original decision, whichever it was.
  if (!decision || (!ack.duplicate && entry.kind !== DECISION_KIND[op.kind])) {
    return `that is a ${entry.kind} event`;
  }
  const by = decidedBy(entry);
  return by === op.client ? null : `decided by ${by}`;
}

/** Checks one acknowledged command against the log. */
function checkAck(
  op: Op,
  ack: { seq: number; duplicate: boolean },
  bySeq: Map<number, LogEntry>,
  responses: Map<number, ResponseLog>,
  out: Anomaly[],
): void {
  if (op.kind === "hello") return; // a WELCOME: nothing in the log to look for
  const entry = bySeq.get(ack.seq);
  if (!entry) {
    out.push({ kind: "lost_ack", message: `${describe(op)} acked seq ${ack.seq}, not in the log` });
    return;
  }
  const why = wrongAck(op, ack, entry, responses.get(op.responseId));
  if (why) out.push({ kind: "wrong_ack", message: `${describe(op)} acked seq ${ack.seq}: ${why}` });
}

function overlaps(op: Op, from: number, to: number): boolean {
  return op.start <= to && op.end >= from;
}

/** Whether an `unavailable` answer falls in a window the options excuse. */
function excused(op: Op, faults: readonly Fault[], o: CheckOptions): boolean {
  return faults.some((f) => {
    if (!overlaps(op, f.start, f.end + o.graceMs)) return false;
    switch (f.kind) {
      case "db_kill":
        return true;
      case "broker_kill":
        return o.allowUnavailableWhileBrokerDown;
      case "kill":
      case "term":
      case "pause":
        // A process starting again answers `unavailable` until it is ready.
        return f.process === op.process;
      default: {
        const unknown: never = f.kind;
        return unknown;
      }
    }
  });
}

function checkOps(
  h: History,
  bySeq: Map<number, LogEntry>,
  responses: Map<number, ResponseLog>,
  o: CheckOptions,
  out: Anomaly[],
) {
  for (const op of h.ops) {
    const outcome = op.outcome;
    switch (outcome.kind) {
      case "ack":
        checkAck(op, outcome, bySeq, responses, out);
        break;
      case "indeterminate":
        break; // may or may not have happened; the log's own rules bound it
      case "error":
        if (outcome.code === "not_pending") {
          if (!responses.get(op.responseId)?.decisions.length) {
            out.push({
              kind: "unjustified_refusal",
              message: `${describe(op)} got not_pending, but the log has no decision for it`,
            });
          }
        } else if (outcome.code === "unavailable") {
          if (!excused(op, h.faults, o)) {
            out.push({
              kind: "unavailable_while_up",
              message: `${describe(op)} got unavailable outside every allowed fault window`,
            });
          }
        } else {
          out.push({ kind: "unexpected_error", message: `${describe(op)} got ${outcome.code}` });
        }
        break;
      default: {
        const unknown: never = outcome;
        void unknown;
      }
    }
  }
}

function count<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const c: Record<string, number> = {};
  for (const it of items) c[key(it)] = (c[key(it)] ?? 0) + 1;
  return c;
}

function summarize(h: History): Summary {
  const clients = new Set(h.connections.map((c) => c.client)).size;
  return {
    operations: h.ops.length,
    acked: h.ops.filter((o) => o.outcome.kind === "ack").length,
    indeterminate: h.ops.filter((o) => o.outcome.kind === "indeterminate").length,
    refused: count(
      h.ops.filter((o) => o.outcome.kind === "error"),
      (o) => (o.outcome as { code: string }).code,
    ),
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
  checkOps(h, bySeq, responses, options, anomalies);
  checkConnections(h, bySeq, anomalies);
  return { anomalies, summary: summarize(h) };
}
