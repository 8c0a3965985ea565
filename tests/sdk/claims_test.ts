import assert from "node:assert/strict";
import {
  ClaimedError,
  errorFromFrame,
  NotPendingError,
  ReviewError,
  TooManyClaimsError,
} from "../../web/sdk/errors.ts";
import { isClaimLive } from "../../web/sdk/pending_feed.ts";
import { FakeSocket, flushMicrotasks } from "./_fakes.ts";
import { makeClient, serverWelcomes } from "./_harness.ts";

Deno.test("claim() resolves with the ACK's claim; a held claim rejects with ClaimedError", async () => {
  const { client } = await makeClient();
  const socket = serverWelcomes({ seq: 0 }, [7]);
  const won = client.claim(7);
  const [sent] = socket.sentOf("CLAIM");
  assert.ok(sent, "the client sent a CLAIM");
  assert.deepEqual(sent, { type: "CLAIM", response_id: 7, id: sent.id });
  socket.receive({
    type: "ACK",
    id: sent.id,
    response_id: 7,
    seq: 1,
    duplicate: false,
    claimed_by: "alice",
    claim_until: "2026-01-01T00:02:00.000Z",
  });
  assert.equal((await won).claim_until, "2026-01-01T00:02:00.000Z");

  const lost = client.claim(7);
  const [second] = socket.sentOf("CLAIM").slice(1);
  assert.ok(second, "the client sent a second CLAIM");
  socket.receive({
    type: "ERROR",
    id: second.id,
    code: "claimed",
    message: "response 7 is claimed by bob",
    retryable: false,
    claimed_by: "bob",
    claim_until: "2026-01-01T00:03:00.000Z",
  });
  const error = await lost.catch((e) => e);
  assert.ok(error instanceof ClaimedError);
  assert.ok(error instanceof ReviewError);
  assert.equal(error.code, "claimed");
  assert.equal(error.claimedBy, "bob");
  assert.equal(error.claimUntil, "2026-01-01T00:03:00.000Z");
  assert.equal(error.retryable, false);
  client.close();
});

Deno.test("release() resolves (duplicate without seq too); approve on a decided one is NotPendingError", async () => {
  const { client } = await makeClient();
  const socket = serverWelcomes({ seq: 0 }, [7]);
  const rel = client.release(7);
  const [sent] = socket.sentOf("RELEASE");
  assert.ok(sent, "the client sent a RELEASE");
  assert.deepEqual(sent, { type: "RELEASE", response_id: 7, id: sent.id });
  socket.receive({ type: "ACK", id: sent.id, response_id: 7, duplicate: true });
  assert.deepEqual(await rel, { response_id: 7, duplicate: true });
  const late = client.approve(7);
  const [ap] = socket.sentOf("APPROVED");
  assert.ok(ap, "the client sent an APPROVED");
  socket.receive({
    type: "ERROR",
    id: ap.id,
    code: "not_pending",
    message: "already approved by bob",
    retryable: false,
    status: "approved",
    decided_by: "bob",
  });
  const error = await late.catch((e) => e);
  assert.ok(error instanceof NotPendingError);
  assert.deepEqual([error.status, error.decidedBy], ["approved", "bob"]);
  await assert.rejects(client.claim(0), TypeError);
  client.close();
});

Deno.test("pending items carry claims: from SNAPSHOT, claimed and released events, lapse by server time", async () => {
  const { client, timers } = await makeClient();
  const socket = FakeSocket.last;
  socket.open();
  socket.receive({
    type: "WELCOME",
    id: "hello",
    client_id: "c",
    role: "operator",
    user: "alice",
    epoch: "E1",
    seq: 2,
    resumed: false,
    heartbeat_interval_ms: 15000,
    heartbeat_timeout_ms: 45000,
  });
  const until = new Date(timers.now() + 60_000).toISOString();
  socket.receive({
    type: "SNAPSHOT",
    seq: 2,
    items: [
      {
        response_id: 1,
        platform: "vk",
        post_url: "u",
        html: "",
        claimed_by: "bob",
        claim_until: until,
      },
      {
        response_id: 2,
        platform: "vk",
        post_url: "u",
        html: "",
        claimed_by: null,
        claim_until: null,
      },
    ],
  });
  assert.equal(client.pending.get(1)?.claimed_by, "bob");
  assert.equal(client.pending.get(2)?.claimed_by, null);
  const claimed: number[] = [];
  const released: string[] = [];
  client.on("claimed", (e) => claimed.push(e.response_id));
  client.on("released", (e) => released.push(e.by));
  socket.receive({ type: "EVENT", seq: 3, event: "claimed", response_id: 2, by: "carol", until });
  assert.deepEqual(claimed, [2]);
  assert.equal(client.pending.get(2)?.claimed_by, "carol");
  assert.equal(client.pending.get(2)?.claim_until, until);
  socket.receive({ type: "EVENT", seq: 4, event: "released", response_id: 1, by: "root" });
  assert.deepEqual(released, ["root"]);
  assert.deepEqual(
    [client.pending.get(1)?.claimed_by, client.pending.get(1)?.claim_until],
    [null, null],
  );
  socket.receive({
    type: "EVENT",
    seq: 5,
    event: "pending",
    response_id: 3,
    platform: "vk",
    post_url: "u",
    html: "",
  });
  assert.equal(client.pending.get(3)?.claimed_by, null);
  // Lapse is judged by the server's clock: a HEARTBEAT says the server runs 30 s ahead.
  const item = client.pending.get(2)!;
  assert.ok(isClaimLive(item, client.serverNow()));
  socket.receive({ type: "HEARTBEAT", ts: timers.now() + 30_000 });
  assert.equal(client.serverNow(), timers.now() + 30_000);
  timers.tick(30_000);
  assert.ok(!isClaimLive(item, client.serverNow()), "lapsed at until by the server's clock");
  // The holder's decision removes the item with its claim.
  socket.receive({
    type: "EVENT",
    seq: 6,
    event: "approved",
    response_id: 2,
    by: "carol",
    at: until,
    text: "t",
  });
  assert.equal(client.pending.has(2), false);
  await flushMicrotasks();
  client.close();
});

Deno.test("PRESENCE is an event and the last list is kept", async () => {
  const { client } = await makeClient();
  const socket = serverWelcomes({ seq: 0 });
  const seen: number[] = [];
  client.on("presence", (p) => seen.push(p.operators.length));
  const operators = [{ user: "alice", connections: 2, since: "2026-01-01T00:00:00.000Z" }];
  socket.receive({ type: "PRESENCE", operators });
  assert.deepEqual(seen, [1]);
  assert.deepEqual(client.presence?.operators, operators);
  client.close();
});

Deno.test("too_many_claims becomes a TooManyClaimsError carrying the limit", () => {
  const e = errorFromFrame({
    type: "ERROR",
    id: "c1",
    code: "too_many_claims",
    message: "alice already holds 5 live claims",
    retryable: false,
    limit: 5,
  });
  assert.ok(e instanceof TooManyClaimsError);
  assert.ok(e instanceof ReviewError);
  assert.equal(e.code, "too_many_claims");
  assert.equal(e.limit, 5);
  assert.equal(e.retryable, false);
});
