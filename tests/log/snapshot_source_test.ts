import assert from "node:assert/strict";
import type { Claim } from "../../src/claims/lease.ts";
import { SNAPSHOT_REUSE_MS, SnapshotSource } from "../../src/log/snapshot.ts";
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

Deno.test("a snapshot serves clients at its own head for a second without reading the log again", async () => {
  const log = new CountingLog();
  const now = { t: 1_000_000 };
  const snaps = source(log, now);
  const first = await snaps.get(asSeq(7));
  now.t += SNAPSHOT_REUSE_MS - 1;
  assert.equal(await snaps.get(asSeq(7)), first, "same head, under a second: the same frame");
  assert.equal(log.reads, 1);
  now.t += 1;
  await snaps.get(asSeq(7));
  assert.equal(log.reads, 2, "a second old: read again");
});

Deno.test("another head, or no head given, reads the log", async () => {
  const log = new CountingLog();
  const now = { t: 1_000_000 };
  const snaps = source(log, now);
  await snaps.get(asSeq(7));
  log.seq = asSeq(8);
  const next = await snaps.get(asSeq(8));
  assert.equal(log.reads, 2, "the head moved: read again");
  assert.equal(next.seq, 8);
  await snaps.get();
  assert.equal(log.reads, 3, "a caller that knows no head always gets a fresh read");
});

Deno.test("a snapshot is not reused past the moment a claim it carries lapses", async () => {
  const log = new CountingLog();
  const now = { t: 1_000_000 };
  log.claims.set(1 as ResponseId, { holder: "alice", until: new Date(now.t + 300) });
  const snaps = source(log, now);
  const first = await snaps.get(asSeq(7));
  assert.match(first.frame, /"claimed_by":"alice"/);
  now.t += 299;
  assert.equal(await snaps.get(asSeq(7)), first);
  now.t += 1;
  const after = await snaps.get(asSeq(7));
  assert.equal(log.reads, 2, "the claim lapsed: read again");
  assert.match(after.frame, /"claimed_by":null/);
});
