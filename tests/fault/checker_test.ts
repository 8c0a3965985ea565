/**
 * The checker catches each kind of anomaly: a correct history passes, and
 * each test breaks it in one way and expects exactly that anomaly.
 */
import assert from "node:assert/strict";
import { type AnomalyKind, check, DEFAULT_CHECK_OPTIONS } from "./checker.ts";
import { deliveryLag } from "./lag.ts";
import type { ConnectionRecord, History, LogEntry, Op, Outcome, ResponseRow } from "./history.ts";

const EPOCH = "epoch-1";

function frame(seq: number, event: string, responseId: number, by?: string): string {
  const extra = event === "pending"
    ? { platform: "vk", post_url: "https://vk.com/wall-1_1", html: `<p>${responseId}</p>` }
    : { by, at: "2026-01-01T00:00:00.000Z" };
  return JSON.stringify({ type: "EVENT", seq, event, response_id: responseId, ...extra });
}

function entry(seq: number, kind: string, responseId: number, by?: string): LogEntry {
  return { seq, kind, responseId, frame: frame(seq, kind, responseId, by) };
}

function op(
  client: string,
  kind: Op["kind"],
  responseId: number,
  outcome: Outcome,
  at = 10,
  process = 0,
): Op {
  return { client, kind, responseId, process, via: "ws", start: at, end: at + 5, outcome };
}

const ack = (seq: number, duplicate = false): Outcome => ({ kind: "ack", seq, duplicate });
const error = (code: string): Outcome => ({ kind: "error", code });

function conn(
  client: string,
  index: number,
  opts: {
    process?: number;
    resume?: number;
    resumed?: boolean;
    snapshot?: number;
    seqs: number[];
    log: LogEntry[];
    openedAt?: number;
    closedAt?: number | null;
    closeCode?: number | null;
    closedBy?: "client" | "server" | null;
  },
): ConnectionRecord {
  const resumed = opts.resumed ?? opts.resume !== undefined;
  return {
    client,
    index,
    process: opts.process ?? 0,
    openedAt: opts.openedAt ?? 0,
    resume: opts.resume === undefined ? null : { epoch: EPOCH, last_seq: opts.resume },
    welcome: { epoch: EPOCH, seq: opts.log.length, resumed },
    snapshotSeq: resumed ? null : opts.snapshot ?? 0,
    events: opts.seqs.map((s) => ({ seq: s, text: opts.log[s - 1]!.frame })),
    closedAt: opts.closedAt === undefined ? null : opts.closedAt,
    closeCode: opts.closeCode ?? null,
    closedBy: opts.closedBy ?? null,
  };
}

/** A correct history: two responses, a race, a reconnect with resume, a DB outage and a SIGTERM. */
function good(): History & {
  ops: Op[];
  connections: ConnectionRecord[];
  log: LogEntry[];
  responses: ResponseRow[];
} {
  const log = [
    entry(1, "pending", 1),
    entry(2, "pending", 2),
    entry(3, "approved", 1, "op1"),
    entry(4, "rejected", 2, "op2"),
  ];
  return {
    epoch: EPOCH,
    log,
    faults: [
      { kind: "db_kill", process: null, start: 100, end: 200 },
      { kind: "term", process: 1, start: 5000, end: 5100 },
      { kind: "broker_kill", process: null, start: 10000, end: 10100 },
    ],
    ops: [
      op("mod", "sr", 1, ack(1)),
      op("mod", "sr", 2, ack(2)),
      op("mod", "sr", 2, ack(2, true)),
      op("mod", "sr", 3, { kind: "indeterminate", why: "timeout" }),
      op("mod", "sr", 4, error("unavailable"), 150),
      op("op1", "approve", 1, ack(3)),
      op("op1", "approve", 1, ack(3, true)),
      op("op2", "approve", 1, error("not_pending")),
      op("op2", "reject", 2, ack(4)),
    ],
    connections: [
      conn("op1", 0, { process: 1, seqs: [1, 2], log, closedAt: 5000, closeCode: 1012 }),
      conn("op1", 1, { resume: 2, seqs: [3, 4], log, openedAt: 5010 }),
      conn("op2", 0, { seqs: [1, 2, 3, 4], log }),
    ],
    followers: ["op1", "op2"],
    responses: [
      { id: 1, status: "approved", decidedBy: "op1" },
      { id: 2, status: "rejected", decidedBy: "op2" },
      { id: 3, status: "pending", decidedBy: null },
      { id: 4, status: "pending", decidedBy: null },
    ],
  };
}

function kinds(h: History, options = DEFAULT_CHECK_OPTIONS): AnomalyKind[] {
  return check(h, options).anomalies.map((a) => a.kind);
}

Deno.test("checker: a correct history has no anomaly, and the summary counts it", () => {
  const h = good();
  const verdict = check(h);
  assert.deepEqual(verdict.anomalies, []);
  assert.equal(verdict.summary.operations, 9);
  assert.equal(verdict.summary.acked, 6);
  assert.equal(verdict.summary.indeterminate, 1);
  assert.deepEqual(verdict.summary.refused, { unavailable: 1, not_pending: 1 });
  assert.deepEqual(verdict.summary.unavailableIn, { db_kill: 1 });
  assert.deepEqual(verdict.summary.termCloses, { 1012: 1 });
  assert.equal(verdict.summary.events, 4);
  assert.equal(verdict.summary.clients, 2);
  assert.equal(verdict.summary.reconnects, 1);
  assert.equal(verdict.summary.resumed, 1);
  assert.deepEqual(verdict.summary.faults, { db_kill: 1, term: 1, broker_kill: 1 });
});

Deno.test("checker: a gap in the log", () => {
  const h = good();
  h.log.splice(1, 1);
  assert.ok(kinds(h).includes("log_not_contiguous"));
});

Deno.test("checker: a response announced twice, decided twice, decided before pending", () => {
  const h = good();
  h.log.push(entry(5, "pending", 1));
  assert.deepEqual(kinds({ ...h, followers: [] }), [
    "duplicate_pending",
    "decision_before_pending",
  ]);
  const lone: History = {
    ...good(),
    ops: [],
    connections: [],
    followers: [],
    responses: [],
    log: [entry(1, "approved", 5, "op1"), entry(2, "pending", 5)],
  };
  assert.deepEqual(kinds(lone), ["decision_before_pending"]);
  const h2 = good();
  h2.log.push(entry(5, "rejected", 1, "op2"));
  assert.deepEqual(kinds({ ...h2, followers: [] }), ["duplicate_decision"]);
});

Deno.test("checker: an acknowledged SR or decision missing from the log", () => {
  const h = good();
  h.ops.push(op("mod", "sr", 9, ack(7)));
  assert.deepEqual(kinds(h), ["lost_ack"]);
  const h2 = good();
  h2.ops.push(op("op2", "reject", 1, ack(8)));
  assert.deepEqual(kinds(h2), ["lost_ack"]);
});

Deno.test("checker: an ACK naming another event", () => {
  for (
    const bad of [
      op("mod", "sr", 1, ack(2)), // another response's pending
      op("mod", "sr", 1, ack(3)), // a decision, not a pending
      op("op2", "approve", 1, ack(3)), // op1's decision
      op("op2", "approve", 2, ack(4)), // approved, but the log says rejected
    ]
  ) {
    const h = good();
    h.ops.push(bad);
    assert.deepEqual(kinds(h), ["wrong_ack"], JSON.stringify(bad));
  }
});

Deno.test("checker: not_pending without a decision, and an unexpected error code", () => {
  const h = good();
  h.ops.push(op("op1", "approve", 3, error("not_pending")));
  assert.deepEqual(kinds(h), ["unjustified_refusal"]);
  const h2 = good();
  h2.ops.push(op("mod", "sr", 3, error("internal")));
  assert.deepEqual(kinds(h2), ["unexpected_error"]);
});

Deno.test("checker: unavailable only inside an allowed window", () => {
  const h = good();
  h.ops.push(op("mod", "sr", 5, error("unavailable"), 250)); // within the DB grace
  h.ops.push(op("mod", "sr", 5, error("unavailable"), 5050, 1)); // p1 restarting after SIGTERM
  assert.deepEqual(kinds(h), []);
  h.ops.push(op("mod", "sr", 5, error("unavailable"), 5050, 0)); // p0 was up
  h.ops.push(op("mod", "sr", 5, error("unavailable"), 20000)); // nothing was down
  assert.deepEqual(kinds(h), ["unavailable_while_up", "unavailable_while_up"]);
});

Deno.test("checker: unavailable while only Redis is down fails unless the flag allows it", () => {
  const h = good();
  h.ops.push(op("mod", "sr", 5, error("unavailable"), 10020));
  assert.deepEqual(kinds(h), ["unavailable_while_up"]);
  const lenient = { ...DEFAULT_CHECK_OPTIONS, allowUnavailableWhileBrokerDown: true };
  assert.deepEqual(kinds(h, lenient), []);
  // Either way the summary says how many there were.
  assert.equal(check(h).summary.unavailableIn.broker_only, 1);
  assert.equal(check(h, lenient).summary.unavailableIn.broker_only, 1);
});

Deno.test("checker: unavailable while another process is paused fails unless the flag allows it", () => {
  const base = good();
  const h = {
    ...base,
    faults: [...base.faults, { kind: "pause", process: 2, start: 30_000, end: 31_000 } as const],
  };
  h.ops.push(op("mod", "sr", 5, error("unavailable"), 30_500, 2)); // the paused process itself
  assert.deepEqual(kinds(h), []);
  h.ops.push(op("mod", "sr", 5, error("unavailable"), 31_500, 0)); // another one
  assert.deepEqual(kinds(h), ["unavailable_while_up"]);
  const lenient = { ...DEFAULT_CHECK_OPTIONS, allowUnavailableWhilePeerPaused: true };
  assert.deepEqual(kinds(h, lenient), []);
  assert.deepEqual(check(h).summary.unavailableIn, { db_kill: 1, pause: 1, peer_paused: 1 });
  // The broker flag does not excuse it.
  const broker = { ...DEFAULT_CHECK_OPTIONS, allowUnavailableWhileBrokerDown: true };
  assert.deepEqual(kinds(h, broker), ["unavailable_while_up"]);
});

Deno.test("checker: a connection that skips or repeats a seq", () => {
  const h = good();
  h.connections[2] = conn("op2", 0, { seqs: [1, 3, 4], log: h.log });
  assert.deepEqual(kinds(h), ["connection_gap", "client_missed"]);
  const h2 = good();
  h2.connections[2] = conn("op2", 0, { seqs: [1, 2, 2, 3, 4], log: h2.log });
  assert.deepEqual(kinds(h2), ["connection_gap"]);
  const h3 = good(); // a resumed connection that starts after its position
  h3.connections[1] = conn("op1", 1, { resume: 2, seqs: [4], log: h3.log, openedAt: 5010 });
  assert.deepEqual(kinds(h3), ["connection_gap", "client_missed"]);
});

Deno.test("checker: a received frame that differs from the log's", () => {
  const h = good();
  const c = h.connections[2];
  assert.ok(c, "good() has a third connection");
  c.events[1] = { seq: 2, text: frame(2, "pending", 7) };
  assert.deepEqual(kinds(h), ["frame_mismatch"]);
  // The same frame with keys in another order is the same frame.
  const h2 = good();
  const parsed = JSON.parse(h2.log[1]!.frame);
  const reordered = Object.fromEntries(Object.entries(parsed).reverse());
  h2.connections[2]!.events[1] = { seq: 2, text: JSON.stringify(reordered) };
  assert.deepEqual(kinds(h2), []);
});

Deno.test("checker: a refused resume, a changed epoch", () => {
  const h = good();
  h.connections[1] = conn("op1", 1, {
    resume: 2,
    resumed: false,
    snapshot: 2,
    seqs: [3, 4],
    log: h.log,
    openedAt: 5010,
  });
  assert.deepEqual(kinds(h), ["resume_refused"]);
  const stale = good(); // a process whose head is behind what the client already received
  stale.connections[1] = conn("op1", 1, {
    resume: 2,
    resumed: false,
    snapshot: 1,
    seqs: [2, 3, 4],
    log: stale.log,
    openedAt: 5010,
  });
  stale.connections[1].welcome = { epoch: EPOCH, seq: 1, resumed: false };
  assert.deepEqual(kinds(stale), ["resume_refused"]);
  const h2 = good();
  h2.connections[2]!.welcome = { epoch: "epoch-2", seq: 0, resumed: false };
  assert.deepEqual(kinds(h2), ["epoch_changed"]);
});

Deno.test("checker: a follower that never caught up to the head", () => {
  const h = good();
  h.connections[1] = conn("op1", 1, { resume: 2, seqs: [3], log: h.log, openedAt: 5010 });
  assert.deepEqual(kinds(h), ["client_missed"]);
  const h2 = good(); // resumed from a later position than it had received
  h2.connections[1] = conn("op1", 1, { resume: 3, seqs: [4], log: h2.log, openedAt: 5010 });
  assert.deepEqual(kinds(h2), ["client_missed"]);
});

Deno.test("checker: clients of a SIGTERMed process that did not see 1012", () => {
  const h = good();
  h.connections[0]!.closeCode = 1006;
  h.connections[0]!.closedBy = "server";
  assert.deepEqual(kinds(h), ["missing_1012"]);
  const h2 = good(); // one that left by itself is not judged
  h2.connections[0]!.closeCode = 4000;
  h2.connections[0]!.closedBy = "client";
  assert.deepEqual(kinds(h2), []);
  const lenient = { ...DEFAULT_CHECK_OPTIONS, allowResetOnTerm: true };
  assert.deepEqual(kinds(h, lenient), [], "a reset is excused by the option");
  assert.deepEqual(check(h).summary.termCloses, { 1006: 1 });
  const h4 = good(); // another close code is not
  h4.connections[0]!.closeCode = 1011;
  assert.deepEqual(kinds(h4, lenient), ["missing_1012"]);
  const h3 = good(); // one still open at the end was never closed at all
  h3.connections[0]!.closedAt = null;
  h3.connections[0]!.closeCode = null;
  assert.deepEqual(kinds(h3), ["missing_1012"]);
});

Deno.test("checker: a responses row that disagrees with the log", () => {
  for (
    const row of [
      { id: 1, status: "approved", decidedBy: "op2" }, // another decider
      { id: 2, status: "approved", decidedBy: "op2" }, // the log says rejected
      { id: 3, status: "approved", decidedBy: "op1" }, // decided, but not in the log
    ]
  ) {
    const h = good();
    h.responses[row.id - 1] = row;
    assert.deepEqual(kinds(h), ["row_mismatch"], JSON.stringify(row));
  }
});

Deno.test("lag: live receipts after their ACK, apart from replays and stopped processes", () => {
  const h = good();
  const at = [0, 0, 50, 400]; // arrival times of seqs 1..4 on op2's connection
  h.connections[2]!.events.forEach((e, i) => Object.assign(e, { at: at[i] }));
  h.connections[2]!.welcome = { epoch: EPOCH, seq: 2, resumed: false }; // seqs 1, 2: replayed
  h.ops[5] = op("op1", "approve", 1, ack(3)); // acked at 15
  h.ops[8] = op("op2", "reject", 2, ack(4)); // acked at 15
  const lag = deliveryLag(h);
  assert.deepEqual(lag.all, { samples: 2, p50: 385, p99: 385, max: 385 });
  assert.equal(lag.brokerDown.samples, 0);
  const paused = {
    ...h,
    faults: [...h.faults, { kind: "pause", process: 0, start: 100, end: 300 } as const],
  };
  assert.deepEqual(deliveryLag(paused).all, { samples: 1, p50: 35, p99: 35, max: 35 });
});
