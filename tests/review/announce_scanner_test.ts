/**
 * The announce scan with a fake store and fake time: each period it announces
 * the rows nobody announced through the SR path and hands appended events to
 * the fan-out (a `duplicate`, another process's win, is not published again);
 * a tick never overlaps the last; a failing database is logged, not thrown;
 * the pending gauges follow the store's figures; 0 turns announcing off.
 */
import assert from "node:assert/strict";
import { AnnounceScanner, SCAN_BATCH } from "../../src/review/announce_scanner.ts";
import { silentLogger } from "../../src/logging/logger.ts";
import { Metrics } from "../../src/metrics/metrics.ts";
import { asResponseId, asSeq, type ResponseId } from "../../src/protocol/types.ts";
import type { AppendResult, PendingStats, StoredEvent } from "../../src/store/store.ts";
import { FakeClock } from "../_support/fake_clock.ts";

function setup(periodMs: number, unannounced: () => Promise<ResponseId[]>) {
  const clock = new FakeClock();
  const metrics = new Metrics();
  const published: number[] = [];
  const asked: number[] = [];
  const limits: number[] = [];
  let stats: PendingStats = { count: 0, oldest: null, overdue: 0 };
  const scanner = new AnnounceScanner({
    store: {
      unannounced: (limit) => {
        limits.push(limit);
        return unannounced();
      },
      pendingStats: () => Promise.resolve(stats),
    },
    announce: (id): Promise<AppendResult> => {
      asked.push(id);
      // Odd ids: this process appends; even ids: another process was first.
      if (id % 2 === 1) {
        const event = {
          seq: asSeq(id),
          kind: "pending",
          responseId: id,
          frame: "{}",
        } as StoredEvent;
        return Promise.resolve({ kind: "appended", event });
      }
      return Promise.resolve({ kind: "duplicate", seq: asSeq(1) });
    },
    fanout: { publish: (e) => published.push(e.responseId) },
    clock,
    logger: silentLogger,
    metrics,
    periodMs,
    slaMinutes: 15,
  });
  return {
    clock,
    metrics,
    scanner,
    published,
    asked,
    limits,
    setStats: (s: PendingStats) => stats = s,
  };
}

const gauge = async (m: Metrics, name: Parameters<Metrics["samples"]>[0]) =>
  (await m.samples(name))[0]?.value;

Deno.test("each period the rows nobody announced go through the SR path; only this process's appends are published", async () => {
  let rows = [1, 2, 3].map(asResponseId);
  const t = setup(5_000, () => Promise.resolve(rows));
  await t.scanner.tick();
  assert.deepEqual(t.asked, [1, 2, 3]);
  assert.deepEqual(t.published, [1, 3], "a duplicate (another process won) is not published");
  assert.deepEqual(t.limits, [SCAN_BATCH]);
  assert.equal(await gauge(t.metrics, "ws_announced_by_scan_total"), 2);
  rows = [];
  t.scanner.start();
  await t.scanner.tick(); // joins the scan start() began
  assert.equal(t.limits.length, 2, "start ticks at once");
  t.clock.tick(5_000);
  await t.scanner.tick(); // joins the period's scan
  assert.equal(t.limits.length, 3, "then every period");
  t.scanner.stop();
  t.clock.tick(20_000);
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(t.limits.length, 3, "stopped");
});

Deno.test("a tick never overlaps the previous one; a failing database is logged, not thrown", async () => {
  let release = () => {};
  let calls = 0;
  const t = setup(1_000, () => {
    calls++;
    if (calls === 1) return new Promise((r) => release = () => r([asResponseId(5)]));
    return Promise.reject(new Error("database gone"));
  });
  const first = t.scanner.tick();
  const second = t.scanner.tick();
  assert.equal(first, second, "the same scan");
  release();
  await first;
  assert.deepEqual(t.published, [5]);
  await t.scanner.tick(); // rejects inside: must resolve
  assert.equal(calls, 2);
});

Deno.test("the pending gauges follow the store; ANNOUNCE_SCAN_MS=0 only reads them", async () => {
  const t = setup(0, () => Promise.reject(new Error("never asked")));
  assert.equal(await gauge(t.metrics, "ws_pending_sla_seconds"), 900);
  t.setStats({ count: 7, oldest: new Date(t.clock.now() - 1_200_000), overdue: 3 });
  await t.scanner.tick();
  assert.deepEqual(t.limits, [], "announcing is off");
  assert.equal(await gauge(t.metrics, "ws_pending_responses"), 7);
  assert.equal(await gauge(t.metrics, "ws_pending_oldest_age_seconds"), 1200);
  assert.equal(await gauge(t.metrics, "ws_pending_overdue"), 3);
  t.setStats({ count: 0, oldest: null, overdue: 0 });
  await t.scanner.tick();
  assert.equal(await gauge(t.metrics, "ws_pending_oldest_age_seconds"), 0);
});
