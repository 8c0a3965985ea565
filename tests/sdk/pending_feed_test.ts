import assert from "node:assert/strict";
import type { EventFrame, SnapshotFrame, WelcomeFrame } from "../../src/protocol/frames.ts";
import { Emitter } from "../../web/sdk/emitter.ts";
import type { ClientEvents } from "../../web/sdk/events.ts";
import { Feed } from "../../web/sdk/pending_feed.ts";
import { approvedEvent, pendingEvent, welcome } from "./_fakes.ts";

const asWelcome = (over: Record<string, unknown>) => welcome(over) as unknown as WelcomeFrame;
const asEvent = (e: Record<string, unknown>) => e as unknown as EventFrame;
const snapshot = (seq: number, ids: number[]) =>
  ({
    type: "SNAPSHOT",
    seq,
    items: ids.map((id) => ({ response_id: id, platform: "vk", post_url: "u", html: "" })),
  }) as unknown as SnapshotFrame;

function feedWithLog(start: { epoch: string; seq: number } | null = null) {
  const emitter = new Emitter<ClientEvents>();
  const log: string[] = [];
  for (const kind of ["snapshot", "pending", "approved", "synced"] as const) {
    emitter.on(kind, (d) => log.push(`${kind}:${"seq" in d ? d.seq : ""}`));
  }
  return { feed: new Feed(emitter, start), log };
}

Deno.test("events that arrive before the SNAPSHOT wait for it; those it covers are dropped", () => {
  const { feed, log } = feedWithLog();
  assert.equal(feed.welcome(asWelcome({ seq: 5 })).kind, "ok");
  feed.event(asEvent(pendingEvent(5, 50)));
  feed.event(asEvent(pendingEvent(6, 60)));
  assert.deepEqual(log, []);
  feed.snapshot(snapshot(5, [40, 50]));
  assert.deepEqual(log, ["snapshot:5", "pending:6", "synced:6"]);
  assert.deepEqual([...feed.cards.keys()], [40, 50, 60]);
  assert.equal(feed.stats.duplicatesDropped, 1);
});

Deno.test("a resumed WELCOME for another log abandons and forgets the position", () => {
  const { feed } = feedWithLog({ epoch: "OLD", seq: 3 });
  const verdict = feed.welcome(asWelcome({ epoch: "NEW", seq: 9, resumed: true }));
  assert.equal(verdict.kind, "abandon");
  assert.equal(feed.position, null);
});

Deno.test("a resume is synced when the replay reaches the WELCOME's head, not before", () => {
  const { feed, log } = feedWithLog({ epoch: "E1", seq: 3 });
  feed.welcome(asWelcome({ seq: 5, resumed: true }));
  feed.checkSynced();
  feed.event(asEvent(pendingEvent(4, 40)));
  assert.ok(!log.includes("synced:4"));
  feed.event(asEvent(approvedEvent(5, 40)));
  assert.deepEqual(log, ["pending:4", "approved:5", "synced:5"]);
  assert.equal(feed.cards.size, 0);
  assert.deepEqual(feed.stats, {
    connections: 1,
    resumes: 1,
    snapshots: 0,
    duplicatesDropped: 0,
    gaps: 0,
  });
});
