/** The publication checker finds what it is for, on crafted logs. */
import assert from "node:assert/strict";
import { checkPublication } from "./publication_checker.ts";
import type { LogEntry } from "./history.ts";

const AT = "2026-03-04T05:06:07.000Z";
let seq = 0;
const ev = (kind: string, responseId: number, f: Record<string, unknown> = {}): LogEntry => ({
  seq: ++seq,
  kind,
  responseId,
  frame: JSON.stringify({ event: kind, response_id: responseId, at: AT, ...f }),
});

function run(events: () => LogEntry[], posts: number[] = [1]) {
  seq = 0;
  return checkPublication(events(), posts);
}

Deno.test("publication checker: a clean run with a lapse, a failure and a late success", () => {
  const { anomalies, summary } = run(() => [
    ev("approved", 1),
    ev("queued", 1, { attempt: 1, maybe_applied: false }),
    ev("publishing", 1, { attempt: 1 }),
    ev("queued", 1, { attempt: 2, maybe_applied: true }),
    ev("publishing", 1, { attempt: 2 }),
    ev("publish_failed", 1, { attempt: 2, final: false }),
    ev("publishing", 1, { attempt: 3 }),
    ev("published", 1, { attempt: 1 }),
  ]);
  assert.deepEqual(anomalies, []);
  assert.equal(summary.published, 1);
  assert.equal(summary.attempts, 3);
  assert.equal(summary.lapsed, 1);
  assert.equal(summary.maybeAppliedJobs, 2);
});

Deno.test("publication checker: each defect is found", () => {
  const kinds = (events: () => LogEntry[], posts?: number[]) =>
    run(events, posts).anomalies.map((a) => a.kind);
  // The same attempt taken twice.
  assert.ok(
    kinds(() => [
      ev("approved", 1),
      ev("queued", 1, { attempt: 1 }),
      ev("publishing", 1, { attempt: 1 }),
      ev("publishing", 1, { attempt: 1 }),
      ev("published", 1, { attempt: 1 }),
    ]).includes("double_take"),
  );
  // A re-queue after a lapse without maybe_applied.
  assert.ok(
    kinds(() => [
      ev("approved", 1),
      ev("queued", 1, { attempt: 1 }),
      ev("publishing", 1, { attempt: 1 }),
      ev("queued", 1, { attempt: 2, maybe_applied: false }),
      ev("publishing", 1, { attempt: 2 }),
      ev("published", 1, { attempt: 2 }),
    ]).includes("maybe_applied"),
  );
  // Recorded twice, posted twice, unfinished, a gap.
  assert.ok(
    kinds(() => [
      ev("approved", 1),
      ev("queued", 1, { attempt: 1 }),
      ev("publishing", 1, { attempt: 1 }),
      ev("published", 1, { attempt: 1 }),
      ev("published", 1, { attempt: 1 }),
    ]).includes("twice"),
  );
  assert.ok(kinds(() => [ev("approved", 1)], [1, 1]).includes("posted_twice"));
  assert.ok(
    kinds(() => [ev("approved", 1), ev("queued", 1, { attempt: 1 })]).includes("unfinished"),
  );
  assert.ok(
    kinds(() => {
      const a = ev("approved", 1);
      seq++;
      return [a, ev("queued", 1, { attempt: 1 })];
    }).includes("gap"),
  );
});
