/**
 * The checker's rules for what clients received:
 *
 * - on every connection, events are contiguous from where it started (the
 *   resumed `last_seq`, or `SNAPSHOT.seq`), so none is missing or twice;
 * - what a connection received at a `seq` is what the log holds there;
 * - a resume with the log's epoch is honoured (the run never prunes), by a
 *   process whose head is not behind the client's position, and the epoch
 *   never changes;
 * - each follower's connections, resumed one after another, together
 *   received every event from where it first started to the log's head;
 * - the clients of a process stopped with SIGTERM saw 1012 (or, when the
 *   option allows it, a connection reset).
 * @module
 */
import type { Anomaly, CheckOptions } from "./checker.ts";
import type { ConnectionRecord, History, LogEntry } from "./history.ts";

/** At most this many anomalies of one kind are reported per connection or client. */
const PER_ITEM = 3;

/** JSON text with object keys sorted, so two encodings of one frame compare equal. */
function canonical(text: string): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === "object") {
      return Object.fromEntries(
        Object.keys(v as object).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  try {
    return JSON.stringify(sort(JSON.parse(text)));
  } catch {
    return text;
  }
}

function name(c: ConnectionRecord): string {
  return `${c.client}#${c.index} on p${c.process}`;
}

/** Where a connection's events must start: after the resumed position or the snapshot. */
function startOf(c: ConnectionRecord): number | null {
  if (!c.welcome) return null;
  if (c.welcome.resumed) return c.resume?.last_seq ?? null;
  return c.snapshotSeq;
}

function checkOne(
  c: ConnectionRecord,
  h: History,
  bySeq: Map<number, LogEntry>,
  out: Anomaly[],
): void {
  if (c.welcome && c.welcome.epoch !== h.epoch) {
    out.push({ kind: "epoch_changed", message: `${name(c)} welcomed with ${c.welcome.epoch}` });
  }
  if (c.resume && c.welcome && !c.welcome.resumed && c.resume.epoch === h.epoch) {
    // The position came from the log, so a head behind it is a stale one.
    const why = c.resume.last_seq > c.welcome.seq ? "a WELCOME.seq behind it" : "a snapshot";
    out.push({
      kind: "resume_refused",
      message: `${name(c)} resumed from ${c.resume.last_seq} got ${why} (head ${c.welcome.seq})`,
    });
  }
  const start = startOf(c);
  const first = c.events[0];
  if (start === null && first !== undefined) {
    out.push({
      kind: "connection_gap",
      message: `${name(c)} received seq ${first.seq} before its WELCOME/SNAPSHOT`,
    });
    return;
  }
  let expected = (start ?? 0) + 1;
  let gaps = 0;
  let mismatches = 0;
  for (const ev of c.events) {
    if (ev.seq !== expected && gaps++ < PER_ITEM) {
      out.push({
        kind: "connection_gap",
        message: `${name(c)} expected seq ${expected}, received ${ev.seq}`,
      });
    }
    expected = Math.max(expected, ev.seq + 1);
    const entry = bySeq.get(ev.seq);
    const logged = entry ? canonical(entry.frame) : null;
    if (logged !== canonical(ev.text) && mismatches++ < PER_ITEM) {
      out.push({
        kind: "frame_mismatch",
        message: `${name(c)} at seq ${ev.seq} received ${ev.text.slice(0, 200)}; the log has ${
          entry ? entry.frame.slice(0, 200) : "nothing"
        }`,
      });
    }
  }
}

/** Each follower's connections together cover every event from its first start to the head. */
function checkCoverage(h: History, out: Anomaly[]): void {
  const head = h.log.at(-1)?.seq ?? 0;
  for (const client of h.followers) {
    const conns = h.connections.filter((c) => c.client === client && c.welcome);
    const firstConn = conns[0];
    if (firstConn === undefined) {
      out.push({ kind: "client_missed", message: `${client} was never welcomed` });
      continue;
    }
    // A snapshot resets what the client must have seen (resume_refused flags one mid-run).
    let floor = startOf(firstConn) ?? 0;
    for (const c of conns) {
      if (!c.welcome?.resumed && c.snapshotSeq !== null) floor = Math.max(floor, c.snapshotSeq);
    }
    const seen = new Set(conns.flatMap((c) => c.events.map((e) => e.seq)));
    const missing: number[] = [];
    for (let s = floor + 1; s <= head; s++) if (!seen.has(s)) missing.push(s);
    if (missing.length > 0) {
      out.push({
        kind: "client_missed",
        message: `${client} never received ${missing.length} of seqs ${floor + 1}..${head}: ` +
          `${missing.slice(0, 10).join(", ")}${missing.length > 10 ? " …" : ""}`,
      });
    }
  }
}

/** Close codes of a connection that ended without a close frame (Deno's client says 0, browsers 1006). */
const ABNORMAL = new Set([0, 1006]);

/**
 * Connections the server closed after a SIGTERM of their process must have seen 1012.
 * @returns how the connections open at each SIGTERM ended, by close code
 */
function checkTerm(h: History, o: CheckOptions, out: Anomaly[]): Record<string, number> {
  const codes: Record<string, number> = {};
  for (const f of h.faults) {
    if (f.kind !== "term") continue;
    let reported = 0;
    for (const c of h.connections) {
      if (c.process !== f.process || !c.welcome || c.openedAt >= f.start) continue;
      if (c.closedAt !== null && c.closedAt < f.start) continue;
      if (c.closedBy === "client") continue; // it left by itself before the server's close came
      const code = String(c.closeCode ?? "open");
      codes[code] = (codes[code] ?? 0) + 1;
      if (c.closeCode === 1012) continue;
      if (o.allowResetOnTerm && c.closeCode !== null && ABNORMAL.has(c.closeCode)) continue;
      if (reported++ < PER_ITEM) {
        out.push({
          kind: "missing_1012",
          message: `${name(c)} open at the SIGTERM (${f.start} ms) ended with ${
            c.closeCode ?? "no close at all"
          }`,
        });
      }
    }
  }
  return codes;
}

/**
 * Adds the connection anomalies of a history to `out`.
 * @param h the history
 * @param bySeq the log by `seq`
 * @param o the tolerances
 * @param out where anomalies go
 * @returns how the connections open at a SIGTERM ended, by close code
 */
export function checkConnections(
  h: History,
  bySeq: Map<number, LogEntry>,
  o: CheckOptions,
  out: Anomaly[],
): Record<string, number> {
  for (const c of h.connections) checkOne(c, h, bySeq, out);
  checkCoverage(h, out);
  return checkTerm(h, o, out);
}
