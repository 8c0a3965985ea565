/**
 * How long events took to reach clients live, for the fault suite's summary
 * (a measurement, not a verdict: the machine is shared, so no bound is
 * asserted). An event's time is when its command's `ACK` arrived (after the
 * commit, so the lag is if anything understated); a live receipt is one
 * after the connection's `WELCOME.seq`. Receipts on a process that was
 * stopped (SIGSTOP) in between are left out: that delay is the fault's.
 * @module
 */
import type { Fault, History } from "./history.ts";

/** Percentiles of live delivery lag (ms). */
export interface LagFigures {
  readonly samples: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Lag overall and for events acknowledged while Redis was down. */
export interface DeliveryLag {
  readonly all: LagFigures;
  readonly brokerDown: LagFigures;
}

function figures(lags: number[]): LagFigures {
  const s = [...lags].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  return { samples: s.length, p50: at(0.5), p99: at(0.99), max: s.at(-1) ?? 0 };
}

function within(t: number, f: Fault): boolean {
  return t >= f.start && t <= f.end;
}

/**
 * Measures live delivery lag in a history.
 * @param h the history (receipts without `at` are skipped)
 * @returns the figures
 */
export function deliveryLag(h: History): DeliveryLag {
  const ackedAt = new Map<number, number>();
  for (const op of h.ops) {
    if (op.kind === "hello" || op.outcome.kind !== "ack" || op.outcome.duplicate) continue;
    const seen = ackedAt.get(op.outcome.seq);
    if (seen === undefined || op.end < seen) ackedAt.set(op.outcome.seq, op.end);
  }
  const pauses = h.faults.filter((f) => f.kind === "pause");
  const brokers = h.faults.filter((f) => f.kind === "broker_kill");
  const all: number[] = [];
  const brokerDown: number[] = [];
  for (const c of h.connections) {
    if (!c.welcome) continue;
    for (const ev of c.events) {
      const acked = ackedAt.get(ev.seq);
      if (ev.at === undefined || acked === undefined || ev.seq <= c.welcome.seq) continue;
      const stalled = pauses.some((f) =>
        f.process === c.process && f.end >= acked && f.start <= ev.at!
      );
      if (stalled) continue;
      const lag = ev.at - acked;
      all.push(lag);
      if (brokers.some((f) => within(acked, f))) brokerDown.push(lag);
    }
  }
  return { all: figures(all), brokerDown: figures(brokerDown) };
}
