/**
 * The checker's rules for commands: every acknowledged `SR` and decision is
 * in the log at the `seq` its `ACK` named (a repeat names the original), a
 * `not_pending` has a decision behind it, `unavailable` comes only inside a
 * fault window that excuses it, and no other refusal comes at all.
 * Indeterminate commands are bounded by the log's own rules.
 * @module
 */
import type { Anomaly, CheckOptions } from "./checker.ts";
import type { Fault, History, LogEntry, Op } from "./history.ts";
import { decidedBy, type ResponseLog } from "./log_rules.ts";

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

/** Whether a fault's window excuses an `unavailable` answer to `op`, Redis aside. */
function excuses(f: Fault, op: Op): boolean {
  switch (f.kind) {
    case "db_kill":
      return true;
    case "broker_kill":
      return false; // the broker is never a dependency: judged apart, by the option
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
}

/**
 * Where an `unavailable` answer fell: the kind of the fault that excuses it
 * outright, or a window only an option excuses (`broker_only`: Redis was
 * down; `peer_paused`: another process was stopped), or null (nothing was down).
 */
function windowOf(op: Op, faults: readonly Fault[], o: CheckOptions): string | null {
  const near = faults.filter((f) => overlaps(op, f.start, f.end + o.graceMs));
  const fault = near.find((f) => excuses(f, op));
  if (fault) return fault.kind;
  if (near.some((f) => f.kind === "broker_kill")) return "broker_only";
  if (near.some((f) => f.kind === "pause")) return "peer_paused";
  return null;
}

/** Whether the options excuse an `unavailable` answer in that window. */
function allowed(window: string | null, op: Op, faults: readonly Fault[], o: CheckOptions) {
  if (window === null) return false;
  if (window !== "broker_only" && window !== "peer_paused") return true;
  const near = faults.filter((f) => overlaps(op, f.start, f.end + o.graceMs));
  return (o.allowUnavailableWhileBrokerDown && near.some((f) => f.kind === "broker_kill")) ||
    (o.allowUnavailableWhilePeerPaused && near.some((f) => f.kind === "pause"));
}

/**
 * Adds the commands' anomalies to `out`.
 * @param h the history
 * @param bySeq the log by `seq`
 * @param responses the log by response
 * @param o the tolerances
 * @param out where anomalies go
 * @returns how many `unavailable` answers fell in each kind of window (see `windowOf`)
 */
export function checkOps(
  h: History,
  bySeq: Map<number, LogEntry>,
  responses: Map<number, ResponseLog>,
  o: CheckOptions,
  out: Anomaly[],
): Record<string, number> {
  const excused: Record<string, number> = {};
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
          const window = windowOf(op, h.faults, o);
          if (window) excused[window] = (excused[window] ?? 0) + 1;
          if (!allowed(window, op, h.faults, o)) {
            const why = window === "broker_only"
              ? "while only Redis was down"
              : window === "peer_paused"
              ? "while only another process was paused"
              : "outside every fault window";
            out.push({
              kind: "unavailable_while_up",
              message: `${describe(op)} got unavailable ${why}`,
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
  return excused;
}
