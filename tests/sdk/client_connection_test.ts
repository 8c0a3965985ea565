import assert from "node:assert/strict";
import { backoffCeiling } from "../../web/sdk/backoff.ts";
import { REVOKED_REASON } from "../../web/sdk/mod.ts";
import { FakeSocket, flushMicrotasks } from "./_fakes.ts";
import { makeClient, serverWelcomes } from "./_harness.ts";

Deno.test("a HEARTBEAT goes out every WELCOME interval", async () => {
  const { client, timers } = await makeClient();
  const socket = serverWelcomes({ heartbeat_interval_ms: 1000, heartbeat_timeout_ms: 3000 });
  timers.tick(999);
  assert.equal(socket.sentOf("HEARTBEAT").length, 0);
  for (let i = 0; i < 5; i++) {
    timers.tick(500);
    socket.receive({ type: "HEARTBEAT", ts: 1 }); // the server answers: not silent
  }
  assert.equal(socket.sentOf("HEARTBEAT").length, 3);
  assert.equal(client.state, "connected");
  client.close();
});

Deno.test("the watchdog gives up on a silent (half-open) connection and reconnects", async () => {
  const { client, timers } = await makeClient();
  const socket = serverWelcomes({ heartbeat_interval_ms: 1000, heartbeat_timeout_ms: 3000 });
  timers.tick(2999);
  assert.equal(client.state, "connected");
  timers.tick(1);
  assert.equal(client.state, "reconnecting");
  assert.equal(socket.closedBy?.code, 4000);
  const status = client.status;
  assert.ok(status.kind === "reconnecting" && status.lastClose.reason.includes("silent"));
  socket.drop(1006); // a late close of the abandoned socket changes nothing
  assert.equal(client.state, "reconnecting");
  client.close();
});

Deno.test("no WELCOME within the connect timeout counts as a failed try", async () => {
  const { client, timers } = await makeClient({ connectTimeoutMs: 2000 });
  FakeSocket.last.open(); // opens, sends CL, but the server never answers
  timers.tick(2000);
  assert.equal(client.state, "reconnecting");
  client.close();
});

Deno.test("failed tries back off within the doubling ceiling up to the 30 s cap", async () => {
  const delays: number[] = [];
  const { client, timers } = await makeClient({ random: () => 0.999999 });
  client.on("state", (s) => {
    if (s.kind === "reconnecting" && s.retryAt !== null) delays.push(s.retryAt - timers.now());
  });
  for (let i = 0; i < 8; i++) {
    FakeSocket.last.drop(1006); // the try fails before any WELCOME
    timers.tick(30_000);
    await flushMicrotasks();
  }
  assert.equal(delays.length, 8);
  delays.forEach((d, i) => {
    assert.ok(d < backoffCeiling(i) && d >= backoffCeiling(i) - 1, `try ${i}: ${d}`);
  });
  assert.equal(Math.max(...delays), 29_999);
  client.close();
});

Deno.test("after a good connection a drop retries within 1 s, a 4029 keeps backing off", async () => {
  const retryDelays: number[] = [];
  const { client, timers } = await makeClient({ random: () => 0.999999 });
  client.on("state", (s) => {
    if (s.kind === "reconnecting" && s.retryAt !== null) retryDelays.push(s.retryAt - timers.now());
  });
  for (let i = 0; i < 3; i++) {
    FakeSocket.last.drop(1006);
    timers.tick(30_000);
    await flushMicrotasks();
  }
  serverWelcomes({ seq: 0 }).drop(1012, "restarting"); // welcomed, then a restart
  timers.tick(30_000);
  await flushMicrotasks();
  serverWelcomes({ seq: 0 }).drop(4029, "rate limited"); // welcomed, then told to back off
  assert.deepEqual(retryDelays.map((d) => Math.ceil(d / 1000)), [1, 2, 4, 1, 2]);
  client.close();
});

Deno.test("1000 stops; 1003 and 1009 stop as the client's fault", async () => {
  for (const [code, kind] of [[1000, "server"], [1003, "protocol"], [1009, "protocol"]] as const) {
    const { client, timers } = await makeClient();
    serverWelcomes().drop(code, "bye");
    timers.tick(60_000);
    await flushMicrotasks();
    const status = client.status;
    assert.ok(status.kind === "closed" && status.reason.kind === kind, `code ${code}`);
    assert.equal(FakeSocket.instances.length, 1, "no reconnect");
  }
});

Deno.test("4001 with a fixed token closes as unauthorized", async () => {
  const { client } = await makeClient();
  FakeSocket.last.open();
  FakeSocket.last.receive({
    type: "ERROR",
    id: "hello",
    code: "unauthorized",
    message: "expired",
    retryable: false,
  });
  FakeSocket.last.drop(4001, "bad token");
  const status = client.status;
  assert.ok(status.kind === "closed" && status.reason.kind === "unauthorized");
});

Deno.test("4001 with a token function asks it again, then gives up after repeated refusals", async () => {
  let calls = 0;
  const { client, timers } = await makeClient({
    token: () => `tok${++calls}`,
    maxTokenRefusals: 3,
  });
  FakeSocket.last.open();
  FakeSocket.last.drop(4001);
  timers.tick(30_000);
  await flushMicrotasks();
  FakeSocket.last.open();
  assert.equal(FakeSocket.last.sentOf("CL")[0]!.token, "tok2");
  FakeSocket.last.drop(4001);
  timers.tick(30_000);
  await flushMicrotasks();
  assert.equal(client.state, "reconnecting");
  FakeSocket.last.drop(4001);
  assert.equal(client.state, "closed");
  assert.equal(calls, 3);
});

Deno.test("4001 after a revocation is final even with a token function, and says why", async () => {
  let calls = 0;
  const { client, timers } = await makeClient({
    token: () => `tok${++calls}`,
    maxTokenRefusals: 3,
  });
  serverWelcomes();
  await flushMicrotasks();
  assert.equal(client.state, "connected");
  FakeSocket.last.drop(4001, REVOKED_REASON);
  const status = client.status;
  assert.ok(status.kind === "closed" && status.reason.kind === "unauthorized");
  assert.equal(status.reason.message, "your access was revoked");
  assert.equal(status.reason.revoked, true);
  timers.tick(60_000);
  await flushMicrotasks();
  assert.equal(FakeSocket.instances.length, 1, "no reconnect after a revocation");
  assert.equal(calls, 1, "the token source is not asked again");
});

Deno.test("a retryable ERROR to the hello backs off and tries again", async () => {
  const { client, timers } = await makeClient();
  const socket = FakeSocket.last;
  socket.open();
  socket.receive({
    type: "ERROR",
    id: "hello",
    code: "unavailable",
    message: "db",
    retryable: true,
  });
  assert.equal(client.state, "reconnecting");
  timers.tick(1000);
  await flushMicrotasks();
  assert.equal(FakeSocket.instances.length, 2);
  client.close();
});

Deno.test("a socket that parsed a frame itself hands it over as `frame`", async () => {
  const { client } = await makeClient();
  const socket = serverWelcomes({ seq: 5 }, []);
  // The operator page's socket worker parses a large SNAPSHOT and passes the object on.
  const event = { type: "EVENT", seq: 6, event: "pending", response_id: 9, platform: "vk" };
  socket.onmessage?.({ data: null, frame: { ...event, post_url: "https://vk.com/x", html: "" } });
  assert.deepEqual([...client.pending.keys()], [9]);
  assert.equal(client.position?.seq, 6);
  socket.receive({ ...event, seq: 7, response_id: 10, post_url: "", html: "" }); // text still works
  assert.deepEqual([...client.pending.keys()], [9, 10]);
  client.close();
});
