/**
 * The checker's rules for the log itself and the `responses` rows: the log
 * is contiguous from 1, holds at most one `pending` and at most one decision
 * per response, no `pending` follows a decision, and every row's status and
 * decider are what the log's decision says.
 * @module
 */
import type { Anomaly } from "./checker.ts";
import type { LogEntry, ResponseRow } from "./history.ts";

/** The per-response view of the log. */
export interface ResponseLog {
  pending: LogEntry[];
  decisions: LogEntry[];
}

/**
 * Groups the log by response.
 * @param log the log
 * @returns each response's pending events and decisions
 */
export function byResponse(log: readonly LogEntry[]): Map<number, ResponseLog> {
  const map = new Map<number, ResponseLog>();
  for (const e of log) {
    let r = map.get(e.responseId);
    if (!r) map.set(e.responseId, r = { pending: [], decisions: [] });
    if (e.kind === "pending") r.pending.push(e);
    else if (e.kind === "approved" || e.kind === "rejected") r.decisions.push(e);
  }
  return map;
}

/** The `by` of a decision event's frame. */
export function decidedBy(e: LogEntry): string | undefined {
  try {
    return JSON.parse(e.frame).by;
  } catch {
    return undefined;
  }
}

/**
 * Adds the log's anomalies to `out`.
 * @param log the log
 * @param responses the log by response
 * @param out where anomalies go
 */
export function checkLog(
  log: readonly LogEntry[],
  responses: Map<number, ResponseLog>,
  out: Anomaly[],
) {
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

/**
 * Adds to `out` every `responses` row whose state disagrees with the log.
 * @param rows the rows at the end of the run
 * @param responses the log by response
 * @param out where anomalies go
 */
export function checkRows(
  rows: readonly ResponseRow[],
  responses: Map<number, ResponseLog>,
  out: Anomaly[],
): void {
  for (const row of rows) {
    const d = responses.get(row.id)?.decisions[0];
    const want = d ? `${d.kind} by ${decidedBy(d)}` : "pending by null";
    const got = `${row.status} by ${row.decidedBy}`;
    if (want !== got) {
      out.push({
        kind: "row_mismatch",
        message: `response ${row.id} is ${got}; the log says ${want}`,
      });
    }
  }
}
