import assert from "node:assert/strict";
import type { Claim } from "../../src/claims/lease.ts";
import { STORM_BUILDS_PER_SECOND } from "../../src/async/per_second_count.ts";
import { SnapshotSource, STORM_REUSE_MS } from "../../src/log/snapshot.ts";
import type { Card } from "../../src/protocol/frames.ts";
import { asSeq, type ResponseId, type Seq } from "../../src/protocol/types.ts";
import type { LogStore, Snapshot } from "../../src/store/log_store.ts";
import type { ResponseRow } from "../../src/store/rows.ts";

/** A log whose snapshot is whatever the test set, counting the reads. */
class CountingLog {
  reads = 0;
  seq: Seq = asSeq(7);
  claims = new Map<ResponseId, Claim>();
  readonly rows: ResponseRow[] = [{
    id: 1 as ResponseId,
    platform: "vk",
    post_url: "https://vk.com/wall-1_1",
    post_text: null,
    author: null,
    response_text: "hello",
    status: "pending",
    created_at: new Date(0),
    decided_at: null,
    decided_by: null,
    reason: null,
  } as ResponseRow];
  snapshot(): Promise<Snapshot> {
    this.reads++;
    return Promise.resolve({ seq: this.seq, rows: this.rows, claims: this.claims, inFlight: [] });
  }
}

function source(log: CountingLog, now: { t: number }) {
  const render = (row: ResponseRow) => ({ response_id: row.id } as unknown as Card);
  return new SnapshotSource(log as unknown as LogStore, render, () => now.t);
}

/** Builds `STORM_BUILDS_PER_SECOND` snapshots at `head`: the second is now a storm of hellos. */
async function storm(snaps: SnapshotSource, head: Seq): Promise<void> {
  for (let i = 0; i < STORM_BUILDS_PER_SECOND; i++) await snaps.get();
  await snaps.get(head);
}

Deno.test("outside a storm every snapshot is read afresh: the rows as they stand now", async () => {
  const log = new CountingLog();
  const now = { t: 1_000_000 };
  const snaps = source(log, now);
  for (let i = 0; i < STORM_BUILDS_PER_SECOND; i++) await snaps.get(asSeq(7));
  assert.equal(log.reads, STORM_BUILDS_PER_SECOND, "a row written without an event shows at once");
});

Deno.test("in a storm a snapshot serves clients at its own head for 100 ms without reading the log", async () => {
  const log = new CountingLog();
  const now = { t: 1_000_000 };
  const snaps = source(log, now);
  await storm(snaps, asSeq(7));
  const reads = log.reads;
  const last = await snaps.get(asSeq(7));
  now.t += STORM_REUSE_MS - 1;
  assert.equal(await snaps.get(asSeq(7)), last, "same head, under 100 ms: the same frame");
  assert.equal(log.reads, reads);
  now.t += 1;
  await snaps.get(asSeq(7));
  assert.equal(log.reads, reads + 1, "100 ms old: read again");
});

Deno.test("in a storm, another head or no head given reads the log", async () => {
  const log = new CountingLog();
  const now = { t: 1_000_000 };
  const snaps = source(log, now);
  await storm(snaps, asSeq(7));
  const reads = log.reads;
  log.seq = asSeq(8);
  const next = await snaps.get(asSeq(8));
  assert.equal(log.reads, reads + 1, "the head moved: read again");
  assert.equal(next.seq, 8);
  await snaps.get();
  assert.equal(log.reads, reads + 2, "a caller that knows no head always gets a fresh read");
});

Deno.test("a snapshot is not reused past the moment a claim it carries lapses", async () => {
  const log = new CountingLog();
  const now = { t: 1_000_000 };
  log.claims.set(1 as ResponseId, { holder: "alice", until: new Date(now.t + 50) });
  const snaps = source(log, now);
  await storm(snaps, asSeq(7));
  const first = await snaps.get(asSeq(7));
  assert.match(first.frame, /"claimed_by":"alice"/);
  const reads = log.reads;
  now.t += 49;
  assert.equal(await snaps.get(asSeq(7)), first);
  now.t += 1;
  const after = await snaps.get(asSeq(7));
  assert.equal(log.reads, reads + 1, "the claim lapsed: read again");
  assert.match(after.frame, /"claimed_by":null/);
});
