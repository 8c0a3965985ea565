/**
 * The SDK's v1.1 surface against the real server (SQLite), two processes:
 * claim() and release() with their typed errors, claims on the pending
 * items of another operator's client, a claim kept across a reconnect,
 * the presence event, and the history client.
 */
import assert from "node:assert/strict";
import { mintToken } from "../_support/server.ts";
import { SQLITE } from "../integration/backends.ts";
import {
  ClaimedError,
  connect,
  HistoryClient,
  isClaimLive,
  type ReviewClient,
} from "../../web/sdk/mod.ts";
import { reach, startHub } from "./_live.ts";
import { deadline } from "../../src/async/deadline.ts";

/** `work`, failing after `ms` with what was awaited (never a hang). */
const within = <T>(ms: number, work: Promise<T>, what: string) =>
  deadline(work, ms, () => new Error(`no ${what} within ${ms} ms`));

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  { name: "SDK: claims, presence and history against two real processes", ...opts },
  async () => {
    const hub = await startHub(SQLITE);
    const sibling = await hub.sibling();
    const clients: ReviewClient[] = [];
    try {
      const aliceToken = await mintToken("alice", "operator");
      const alice = connect(hub.server.wsUrl, { token: aliceToken });
      const bob = connect(sibling.wsUrl, { token: await mintToken("bob", "operator") });
      const writer = connect(hub.server.wsUrl, { token: await mintToken("writer", "module") });
      clients.push(alice, bob, writer);
      const id = await hub.db.insertResponse({ response_text: "to edit" });
      const announced = await writer.submit(id);
      await Promise.all([reach(alice, announced.seq!), reach(bob, announced.seq!)]);

      // Presence: each sees both, across the processes. The list is in
      // order of arrival (PROTOCOL.md §5: the earliest `since` first), and
      // which of the two connected first is a race, so compare the people.
      const people = (p: { operators: readonly { user: string }[] } | null | undefined) =>
        (p?.operators ?? []).map((e) => e.user).sort().join(",");
      const both = (c: ReviewClient) =>
        people(c.presence) === "alice,bob"
          ? Promise.resolve()
          : within(5_000, c.once("presence", (p) => people(p) === "alice,bob"), "PRESENCE of both");
      await Promise.all([both(alice), both(bob)]);

      // Alice claims; Bob's model shows it; Bob's claim rejects with ClaimedError.
      const ack = await alice.claim(id);
      assert.equal(ack.claimed_by, "alice");
      await reach(bob, ack.seq!);
      const item = bob.pending.get(id)!;
      assert.equal(item.claimed_by, "alice");
      assert.equal(item.claim_until, ack.claim_until);
      assert.ok(isClaimLive(item, bob.serverNow()));
      const refused = await bob.claim(id).catch((e) => e);
      assert.ok(refused instanceof ClaimedError, String(refused));
      assert.equal(refused.claimedBy, "alice");
      assert.equal((await bob.approve(id).catch((e) => e)).code, "claimed");

      // Alice reconnects (a new client, as after a reload): the SNAPSHOT names her claim.
      alice.close();
      const again = connect(sibling.wsUrl, { token: aliceToken });
      clients.push(again);
      await within(10_000, again.once("snapshot"), "SNAPSHOT after the reconnect");
      assert.equal(again.pending.get(id)?.claimed_by, "alice");

      // Release: Bob's model clears; a second release is a duplicate.
      const rel = await again.release(id);
      assert.equal(rel.duplicate, false);
      await reach(bob, rel.seq!);
      assert.equal(bob.pending.get(id)?.claimed_by, null);
      assert.equal((await again.release(id)).duplicate, true);

      // Bob claims and approves with an edit; history shows it.
      await bob.claim(id);
      await bob.approve(id, "edited by bob");
      const history = new HistoryClient(hub.server.wsUrl, { token: aliceToken });
      const page = await history.page({ by: "bob", limit: 5 });
      assert.equal(page.items[0]!.response_id, id);
      assert.equal(page.items[0]!.response_text, "edited by bob");
      assert.equal(page.next_cursor, null);
    } finally {
      for (const c of clients) c.close();
      await sibling.stop().catch(() => 0);
      await hub.dispose();
    }
  },
);
