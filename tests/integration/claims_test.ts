/**
 * Claims (v1.1) over real WebSockets, two server processes on one database,
 * on SQLite and on MariaDB: ten operators racing CLAIM on one response, a
 * non-holder's decision refused, release by the holder and by an admin,
 * lapse and renewal, claims in SNAPSHOT, a claim surviving its holder's
 * reconnect.
 */
import assert from "node:assert/strict";
import type { Frame, TestClient } from "../_support/ws_client.ts";
import { BACKENDS } from "./backends.ts";
import { withTwoServers } from "./_two_servers.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const LEASE_MS = 2000;

/** Waits until `c` has an EVENT matching `match` and returns it. */
async function eventOf(c: TestClient, match: (e: Frame) => boolean, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = c.history.find((f) => f.type === "EVENT" && match(f));
    if (found) return found;
    if (Date.now() > deadline) throw new Error("no such event in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

for (const kind of BACKENDS) {
  Deno.test(
    { name: `claims on ${kind.name}, two processes`, ignore: !kind.available, ...opts },
    (t) =>
      withTwoServers(kind, { CLAIM_LEASE_MS: String(LEASE_MS) }, async ({ db, connect }) => {
        const operators: TestClient[] = [];
        for (let i = 0; i < 10; i++) {
          const c = await connect(i % 2, `op${i}`);
          await c.nextOf("SNAPSHOT");
          operators.push(c);
        }

        await t.step(
          "ten operators race CLAIM: one wins, nine get claimed naming it, one event",
          async () => {
            const id = await db.insertResponse({ response_text: "contested" });
            const replies = await Promise.all(
              operators.map((c) => c.request({ type: "CLAIM", response_id: id })),
            );
            const acks = replies.filter((f) => f.type === "ACK");
            assert.equal(acks.length, 1, JSON.stringify(replies));
            const winner = acks[0]!.claimed_by;
            assert.match(winner, /^op\d$/);
            assert.equal(typeof acks[0]!.seq, "number");
            assert.equal(acks[0]!.duplicate, false);
            assert.ok(Date.parse(acks[0]!.claim_until) > Date.now());
            for (const f of replies.filter((f) => f.type !== "ACK")) {
              assert.equal(f.code, "claimed");
              assert.equal(f.claimed_by, winner);
              assert.equal(f.claim_until, acks[0]!.claim_until);
              assert.equal(f.retryable, false);
            }
            const claimedInLog = (await db.events()).filter((e) =>
              e.kind === "claimed" && e.response_id === id
            );
            assert.equal(claimedInLog.length, 1);
            // Every operator, on either process, sees that one claimed event.
            for (const c of operators) {
              const e = await eventOf(c, (e) => e.event === "claimed" && e.response_id === id);
              assert.equal(e.by, winner);
              assert.equal(e.until, acks[0]!.claim_until);
              assert.equal(e.seq, acks[0]!.seq);
            }
            console.log(
              `claim race on ${kind.name}: 10 CLAIMs → 1 ACK (${winner}), ` +
                `${
                  replies.length - 1
                } ERROR claimed naming ${winner}, ${claimedInLog.length} claimed event`,
            );
            // The winner releases it, so later steps start clean.
            const holder = operators[Number(winner.slice(2))];
            assert.ok(holder, `the winner ${winner} is one of the operators`);
            const rel = await holder.request({ type: "RELEASE", response_id: id });
            assert.equal(rel.type, "ACK");
          },
        );

        await t.step(
          "a non-holder's decision is refused; the holder's decision ends the claim",
          async () => {
            const [alice, bob] = operators; // on different processes
            assert.ok(alice && bob, "two operators");
            const id = await db.insertResponse();
            const claim = await alice.request({ type: "CLAIM", response_id: id });
            assert.equal(claim.type, "ACK");
            for (const frame of [{ type: "APPROVED", text: "mine" }, { type: "REJECTED" }]) {
              const refused: Frame = await bob.request({ ...frame, response_id: id });
              assert.equal(refused.code, "claimed", JSON.stringify(refused));
              assert.equal(refused.claimed_by, "op0");
            }
            assert.equal((await db.getResponse(id))?.status, "pending");
            const ok = await alice.request({ type: "APPROVED", response_id: id, text: "edited" });
            assert.equal(ok.type, "ACK");
            const row = await db.getResponse(id);
            assert.equal(row?.status, "approved");
            assert.equal(row?.response_text, "edited");
            // Decided: a new claim is not_pending, a release has nothing to end.
            const late = await bob.request({ type: "CLAIM", response_id: id });
            assert.equal(late.code, "not_pending");
            assert.equal(late.decided_by, "op0");
            const rel = await alice.request({ type: "RELEASE", response_id: id });
            assert.deepEqual([rel.type, rel.duplicate, rel.seq], ["ACK", true, undefined]);
          },
        );

        await t.step(
          "release by the holder, refused to another operator, and by an admin",
          async () => {
            const [alice, bob] = operators;
            assert.ok(alice && bob, "two operators");
            const admin = await connect(1, "root", "admin");
            await admin.nextOf("SNAPSHOT");
            const id = await db.insertResponse();
            assert.equal((await alice.request({ type: "CLAIM", response_id: id })).type, "ACK");
            const refused = await bob.request({ type: "RELEASE", response_id: id });
            assert.equal(refused.code, "claimed");
            assert.equal(refused.claimed_by, "op0");
            const rel = await alice.request({ type: "RELEASE", response_id: id });
            assert.equal(rel.type, "ACK");
            assert.equal(rel.duplicate, false);
            const released = await eventOf(bob, (e) => e.event === "released" && e.seq === rel.seq);
            assert.equal(released.by, "op0");
            const again = await alice.request({ type: "RELEASE", response_id: id });
            assert.equal(again.duplicate, true);
            // Bob takes it now, and the admin ends Bob's claim.
            assert.equal((await bob.request({ type: "CLAIM", response_id: id })).type, "ACK");
            const byAdmin = await admin.request({ type: "RELEASE", response_id: id });
            assert.equal(byAdmin.type, "ACK");
            assert.equal((await eventOf(alice, (e) => e.seq === byAdmin.seq)).by, "root");
            assert.equal((await alice.request({ type: "CLAIM", response_id: id })).type, "ACK");
            await alice.request({ type: "RELEASE", response_id: id });
            // A module may not claim.
            const mod = await connect(0, "writer", "module");
            assert.equal((await mod.request({ type: "CLAIM", response_id: id })).code, "forbidden");
          },
        );

        await t.step(
          "lapse and renewal (CLAIM_LEASE_MS=2000): no event marks a lapse",
          async () => {
            const [alice, bob] = operators;
            assert.ok(alice && bob, "two operators");
            const id = await db.insertResponse();
            const first = await alice.request({ type: "CLAIM", response_id: id });
            await new Promise((r) => setTimeout(r, 1000));
            const renewed = await alice.request({ type: "CLAIM", response_id: id });
            assert.equal(renewed.type, "ACK");
            assert.ok(renewed.seq > first.seq, "a renewal is a new claimed event");
            assert.ok(Date.parse(renewed.claim_until) > Date.parse(first.claim_until));
            // Past the first until, the renewal still holds.
            await new Promise((r) =>
              setTimeout(r, Math.max(0, Date.parse(first.claim_until) - Date.now() + 100))
            );
            const stillHeld = await bob.request({ type: "CLAIM", response_id: id });
            assert.equal(stillHeld.code, "claimed");
            assert.equal(stillHeld.claim_until, renewed.claim_until);
            const headBefore = (await db.events()).length;
            await new Promise((r) =>
              setTimeout(r, Math.max(0, Date.parse(renewed.claim_until) - Date.now() + 100))
            );
            assert.equal((await db.events()).length, headBefore, "no event marks the lapse");
            const hb = await bob.request({ type: "HEARTBEAT" });
            assert.ok(hb.ts >= Date.parse(renewed.claim_until), "the server's clock is past until");
            const taken = await bob.request({ type: "APPROVED", response_id: id });
            assert.equal(taken.type, "ACK", "a lapsed claim fences nobody");
          },
        );

        await t.step(
          "claims in SNAPSHOT, and a claim surviving its holder's reconnect",
          async () => {
            const id = await db.insertResponse({ response_text: "held across reconnects" });
            const free = await db.insertResponse({ response_text: "free" });
            const carol = await connect(0, "carol");
            await carol.nextOf("SNAPSHOT");
            const claim = await carol.request({ type: "CLAIM", response_id: id });
            assert.equal(claim.type, "ACK");
            await carol.close();
            // Carol comes back on the other process: a fresh SNAPSHOT names her claim.
            const again = await connect(1, "carol");
            const snap = await again.nextOf("SNAPSHOT");
            const item = snap.items.find((i: Frame) => i.response_id === id);
            assert.equal(item.claimed_by, "carol");
            assert.equal(item.claim_until, claim.claim_until);
            const other = snap.items.find((i: Frame) => i.response_id === free);
            assert.equal(other.claimed_by, null);
            assert.equal(other.claim_until, null);
            // She still holds it: others are refused, she renews it and decides.
            const refused = await operators[1]!.request({ type: "REJECTED", response_id: id });
            assert.equal(refused.code, "claimed");
            assert.equal(refused.claimed_by, "carol");
            assert.equal((await again.request({ type: "CLAIM", response_id: id })).type, "ACK");
            assert.equal((await again.request({ type: "APPROVED", response_id: id })).type, "ACK");
            // A lapsed claim shows as none in the next SNAPSHOT.
            const lapsing = await db.insertResponse();
            const short = await again.request({ type: "CLAIM", response_id: lapsing });
            await new Promise((r) =>
              setTimeout(r, Math.max(0, Date.parse(short.claim_until) - Date.now() + 100))
            );
            const late = await connect(0, "dave");
            const lateSnap = await late.nextOf("SNAPSHOT");
            const lapsed = lateSnap.items.find((i: Frame) => i.response_id === lapsing);
            assert.equal(lapsed.claimed_by, null);
          },
        );
      }),
  );
}
