import assert from "node:assert/strict";
import { ReviewError } from "../../web/sdk/errors.ts";
import { FakeSocket, flushMicrotasks } from "./_fakes.ts";
import { makeClient, serverWelcomes } from "./_harness.ts";

/** Counts how a promise settles, however often the client tries to settle it. */
function track<T>(p: Promise<T>) {
  const out = {
    resolved: 0,
    rejected: 0,
    value: undefined as T | undefined,
    error: undefined as unknown,
  };
  p.then((v) => {
    out.resolved++;
    out.value = v;
  }, (e) => {
    out.rejected++;
    out.error = e;
  });
  return out;
}

Deno.test("a request made while disconnected waits and is sent after WELCOME", async () => {
  const { client } = await makeClient();
  const result = track(client.approve(7, "edited"));
  const socket = FakeSocket.last;
  socket.open();
  assert.equal(socket.sentOf("APPROVED").length, 0, "not before WELCOME");
  serverWelcomes({ seq: 0 });
  const [sent] = socket.sentOf("APPROVED");
  assert.ok(sent, "the client sent an APPROVED");
  assert.deepEqual(sent, { type: "APPROVED", response_id: 7, text: "edited", id: sent.id });
  socket.receive({ type: "ACK", id: sent.id, seq: 1 });
  await flushMicrotasks();
  assert.deepEqual(result, { resolved: 1, rejected: 0, value: { seq: 1 }, error: undefined });
  client.close();
});

Deno.test("a request in flight across a reconnect is re-sent and settles exactly once", async () => {
  const { client, timers } = await makeClient();
  const first = serverWelcomes({ seq: 0 });
  const result = track(client.reject(3, "spam"));
  const [sent] = first.sentOf("REJECTED");
  assert.ok(sent, "the client sent a REJECTED");
  first.drop(1006); // the reply is lost with the connection
  timers.tick(1000);
  await flushMicrotasks();
  const second = FakeSocket.last;
  second.open();
  second.receive({ ...welcomeResumed() });
  const [resent] = second.sentOf("REJECTED");
  assert.ok(resent, "the client sent the REJECTED again");
  assert.deepEqual(resent, sent, "the same frame, same id");
  second.receive({ type: "ACK", id: resent.id, seq: 1, duplicate: true });
  second.receive({ type: "ACK", id: resent.id, seq: 1, duplicate: true }); // a stray repeat
  first.receive({ type: "ACK", id: sent.id, seq: 1 }); // the old socket speaks late
  await flushMicrotasks();
  assert.equal(result.resolved + result.rejected, 1);
  assert.deepEqual(result.value, { seq: 1, duplicate: true });
  client.close();
});

Deno.test("an ERROR rejects with its code and fields", async () => {
  const { client } = await makeClient();
  const socket = serverWelcomes({ seq: 0 });
  const result = track(client.approve(9));
  const [sent] = socket.sentOf("APPROVED");
  assert.ok(sent, "the client sent an APPROVED");
  assert.equal("text" in sent, false, "no text when not edited");
  socket.receive({
    type: "ERROR",
    id: sent.id,
    code: "not_pending",
    message: "already approved by bob",
    retryable: false,
    status: "approved",
    decided_by: "bob",
  });
  await flushMicrotasks();
  assert.ok(result.error instanceof ReviewError);
  assert.equal(result.error.code, "not_pending");
  assert.deepEqual(result.error.fields, { status: "approved", decided_by: "bob" });
  client.close();
});

Deno.test("no reply within the timeout rejects with timeout, and a late ACK is ignored", async () => {
  const { client, timers } = await makeClient({ requestTimeoutMs: 5000 });
  const socket = serverWelcomes({ seq: 0, heartbeat_timeout_ms: 60_000 });
  const result = track(client.submit(4));
  timers.tick(4999);
  await flushMicrotasks();
  assert.equal(result.rejected, 0);
  timers.tick(1);
  await flushMicrotasks();
  assert.equal((result.error as ReviewError).code, "timeout");
  socket.receive({ type: "ACK", id: socket.sentOf("SR")[0]!.id, seq: 1 });
  await flushMicrotasks();
  assert.deepEqual([result.resolved, result.rejected], [0, 1]);
  client.close();
});

Deno.test("the timeout does not run while disconnected", async () => {
  const { client, timers } = await makeClient({ requestTimeoutMs: 5000 });
  const result = track(client.submit(4));
  timers.tick(60_000); // no connection at all: the request waits
  await flushMicrotasks();
  assert.equal(result.rejected, 0);
  client.close();
  await flushMicrotasks();
  assert.equal((result.error as ReviewError).code, "closed");
});

Deno.test("requests after close reject at once; a bad id is a TypeError", async () => {
  const { client } = await makeClient();
  await assert.rejects(client.approve(0), TypeError);
  client.close();
  await assert.rejects(client.submit(1), (e) => e instanceof ReviewError && e.code === "closed");
});

Deno.test("an unsolicited ERROR is an error event", async () => {
  const { client } = await makeClient();
  const socket = serverWelcomes({ seq: 0 });
  const got = client.once("error");
  socket.receive({ type: "ERROR", code: "bad_frame", message: "field 'x'", retryable: false });
  assert.equal((await got).code, "bad_frame");
  client.close();
});

function welcomeResumed(): Record<string, unknown> {
  return {
    type: "WELCOME",
    id: "hello",
    client_id: "c2",
    role: "operator",
    user: "alice",
    epoch: "E1",
    seq: 0,
    resumed: true,
    heartbeat_interval_ms: 1000,
    heartbeat_timeout_ms: 3000,
  };
}
