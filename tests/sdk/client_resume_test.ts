import assert from "node:assert/strict";
import { approvedEvent, FakeSocket, flushMicrotasks, pendingEvent } from "./_fakes.ts";
import { makeClient, serverWelcomes } from "./_harness.ts";

Deno.test("hello without resume, then SNAPSHOT fills the list and events follow it", async () => {
  const { client, states } = await makeClient();
  const socket = serverWelcomes({ seq: 4 }, [1, 2]);
  assert.deepEqual(socket.sentOf("CL"), [{ type: "CL", id: "hello", token: "tok" }]);
  assert.equal(client.state, "connected");
  assert.deepEqual([...client.pending.keys()], [1, 2]);
  socket.receive(pendingEvent(5, 3));
  socket.receive(approvedEvent(6, 1));
  assert.deepEqual([...client.pending.keys()], [2, 3]);
  assert.deepEqual(client.position, { epoch: "E1", seq: 6 });
  assert.deepEqual(states, ["connected"]);
  client.close();
});

Deno.test("a SNAPSHOT replaces the local list, not merges into it", async () => {
  const { client, timers } = await makeClient();
  serverWelcomes({ seq: 2 }, [1, 2]);
  FakeSocket.last.drop(1012, "restarting");
  timers.tick(1000);
  await flushMicrotasks();
  serverWelcomes({ seq: 3, epoch: "E2" }, [7]); // the log was recreated: no resume
  assert.deepEqual(FakeSocket.last.sentOf("CL")[0]!.resume, { epoch: "E1", last_seq: 2 });
  assert.deepEqual([...client.pending.keys()], [7]);
  assert.deepEqual(client.position, { epoch: "E2", seq: 3 });
  client.close();
});

Deno.test("events repeated by seq are dropped and counted", async () => {
  const { client } = await makeClient();
  const socket = serverWelcomes({ seq: 0 });
  const seen: number[] = [];
  client.on("pending", (e) => seen.push(e.seq));
  for (const seq of [1, 2, 2, 1, 3, 3]) socket.receive(pendingEvent(seq, 10 + seq));
  assert.deepEqual(seen, [1, 2, 3]);
  assert.equal(client.stats.duplicatesDropped, 3);
  client.close();
});

Deno.test("a seq gap abandons the connection and resumes from the last contiguous seq", async () => {
  const { client, timers } = await makeClient();
  const first = serverWelcomes({ seq: 0 });
  first.receive(pendingEvent(1, 11));
  first.receive(pendingEvent(3, 13)); // 2 is missing
  assert.equal(client.state, "reconnecting");
  assert.equal(client.stats.gaps, 1);
  assert.equal(first.closedBy?.code, 4000);
  assert.ok(!client.pending.has(13), "the event after the gap is not applied");
  timers.tick(499); // random 0.5 of the 1 s ceiling: the retry is due at 500 ms
  assert.equal(FakeSocket.instances.length, 1);
  timers.tick(1);
  await flushMicrotasks();
  assert.equal(FakeSocket.instances.length, 2);
  const second = FakeSocket.last;
  second.open();
  assert.deepEqual(second.sentOf("CL")[0]!.resume, { epoch: "E1", last_seq: 1 });
  const synced = client.once("synced");
  second.receive({ ...welcomeResumed(3) });
  second.receive(pendingEvent(2, 12));
  second.receive(pendingEvent(3, 13));
  assert.deepEqual(await synced, { epoch: "E1", seq: 3 });
  assert.deepEqual([...client.pending.keys()], [11, 12, 13]);
  assert.equal(client.stats.resumes, 1);
  client.close();
});

Deno.test("synced comes at once when a resume finds nothing new", async () => {
  const { client, timers } = await makeClient();
  const first = serverWelcomes({ seq: 2 });
  first.drop(1006);
  timers.tick(1000);
  await flushMicrotasks();
  let synced = 0;
  client.on("synced", () => synced++);
  FakeSocket.last.open();
  FakeSocket.last.receive(welcomeResumed(2));
  assert.equal(synced, 1);
  client.close();
});

Deno.test("the async iterator yields state, snapshot and events in order and ends on close", async () => {
  const { client } = await makeClient();
  const it = client.events();
  const socket = serverWelcomes({ seq: 0 }, []);
  socket.receive(pendingEvent(1, 5));
  client.close();
  const kinds: string[] = [];
  for await (const e of it) kinds.push(e.kind);
  assert.deepEqual(kinds, ["state", "snapshot", "synced", "pending", "state"]);
});

function welcomeResumed(seq: number): Record<string, unknown> {
  return {
    type: "WELCOME",
    id: "hello",
    client_id: "c2",
    role: "operator",
    user: "alice",
    epoch: "E1",
    seq,
    resumed: true,
    heartbeat_interval_ms: 1000,
    heartbeat_timeout_ms: 3000,
  };
}
