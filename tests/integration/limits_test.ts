/**
 * Timeouts and limits over real connections: no CL → 4002, silence → 4008
 * (protocol pongs do not count), rate limits → ERROR then 4029, too many
 * connections → 1008, database down → /readyz 503 and `unavailable`.
 */
import assert from "node:assert/strict";
import { freePort, mintToken, startServer } from "../_support/server.ts";
import { TestClient } from "../_support/ws_client.ts";
import { RawWebSocket } from "../_support/raw_ws.ts";
import { BACKENDS, SQLITE } from "./backends.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

for (const kind of BACKENDS) {
  Deno.test({
    name: `hello and heartbeat timeouts close 4002 and 4008 (${kind.name})`,
    ignore: !kind.available,
    ...opts,
  }, async () => {
    const backend = await kind.create();
    const server = await startServer({
      ...backend.env,
      HELLO_TIMEOUT_MS: "300",
      HEARTBEAT_INTERVAL_MS: "200",
      HEARTBEAT_TIMEOUT_MS: "1000",
    });
    try {
      const silent = await TestClient.open(server.wsUrl);
      const started = Date.now();
      assert.equal((await silent.closed).code, 4002);
      assert.ok(Date.now() - started >= 250, "not before the hello timeout");

      // Deno's WebSocket answers the server's protocol pings by itself: this
      // client keeps its TCP connection healthy but sends no frame.
      const quiet = await TestClient.open(server.wsUrl);
      const welcome = await quiet.hello(await mintToken("q", "operator"));
      assert.equal(welcome.heartbeat_interval_ms, 200);
      assert.equal(welcome.heartbeat_timeout_ms, 1000);
      const quietSince = Date.now();
      const chatty = await TestClient.open(server.wsUrl);
      await chatty.hello(await mintToken("c", "operator"));
      const timer = setInterval(() => chatty.send({ type: "HEARTBEAT" }), 200);
      try {
        assert.equal((await quiet.closed).code, 4008);
        assert.ok(Date.now() - quietSince >= 900, "not before the heartbeat timeout");
        await new Promise((r) => setTimeout(r, 600));
        assert.equal(chatty.socket.readyState, WebSocket.OPEN, "a client that sends frames stays");
      } finally {
        clearInterval(timer);
        await chatty.close();
      }
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(metrics, /^ws_heartbeat_timeouts_total [1-9]/m);
      assert.match(metrics, /^ws_hello_timeouts_total [1-9]/m);
    } finally {
      await server.kill();
      await backend.dispose();
    }
  });

  Deno.test(
    {
      name: `rate limit: ERROR rate_limited (retryable), then 4029 when repeated (${kind.name})`,
      ignore: !kind.available,
      ...opts,
    },
    async () => {
      const backend = await kind.create();
      const server = await startServer({
        ...backend.env,
        RATE_LIMIT_PER_SEC: "1",
        RATE_LIMIT_BURST: "5",
      });
      try {
        const c = await TestClient.open(server.wsUrl);
        await c.hello(await mintToken("r", "operator"));
        for (let i = 0; i < 80; i++) c.send({ type: "HEARTBEAT", id: i });
        const limited = await c.next((f) => f.type === "ERROR" && f.code === "rate_limited");
        assert.equal(limited.retryable, true);
        assert.equal(typeof limited.id, "number");
        assert.equal((await c.closed).code, 4029);
        const answered = c.history.filter((f) => f.type === "HEARTBEAT").length;
        assert.ok(answered >= 3 && answered <= 6, `burst admitted ${answered}`);
      } finally {
        await server.kill();
        await backend.dispose();
      }
    },
  );
}

Deno.test({ name: "too many connections close 1008", ...opts }, async () => {
  const backend = await SQLITE.create();
  const server = await startServer({ ...backend.env, MAX_CONNECTIONS: "2" });
  try {
    const a = await TestClient.open(server.wsUrl);
    const b = await TestClient.open(server.wsUrl);
    const c = await TestClient.open(server.wsUrl);
    assert.equal((await c.closed).code, 1008);
    await a.close();
    await b.close();
  } finally {
    await server.kill();
    await backend.dispose();
  }
});

Deno.test(
  { name: "database down: /readyz 503 with a reason, CL answered unavailable", ...opts },
  async () => {
    const deadPort = freePort();
    const server = await startServer({
      MYSQL_HOST: "127.0.0.1",
      MYSQL_PORT: String(deadPort),
      MYSQL_DB: "never_there",
    }, { waitReady: false });
    try {
      const res = await fetch(`${server.url}/readyz`);
      assert.equal(res.status, 503);
      const body = await res.json();
      assert.equal(body.status, "unavailable");
      assert.equal(typeof body.reason, "string");
      const c = await TestClient.open(server.wsUrl);
      const err = await c.request({ type: "CL", token: await mintToken("x", "operator") });
      assert.equal(err.type, "ERROR");
      assert.equal(err.code, "unavailable");
      assert.equal(err.retryable, true);
      assert.equal(c.socket.readyState, WebSocket.OPEN);
      const health = await fetch(`${server.url}/healthz`);
      assert.equal(health.status, 200);
      await health.body?.cancel();
      await c.close();
    } finally {
      await server.kill();
    }
  },
);

Deno.test(
  { name: "a peer that never answers protocol pings is closed 1001", ...opts },
  async () => {
    const backend = await SQLITE.create();
    // Pings after 2 s of silence; the frame supervisor would act only at 6 s.
    const server = await startServer({
      ...backend.env,
      HEARTBEAT_INTERVAL_MS: "2000",
      HEARTBEAT_TIMEOUT_MS: "6000",
    });
    const raw = await RawWebSocket.connect(server.wsUrl);
    try {
      await raw.sendText(
        JSON.stringify({ type: "CL", token: await mintToken("gone", "operator") }),
      );
      const started = Date.now();
      let pings = 0;
      const code = await raw.readUntilClose((f) => {
        if (f.opcode === 9) pings++;
      });
      assert.ok(pings >= 1, "the runtime pinged");
      assert.equal(code, 1001);
      assert.ok(Date.now() - started < 6000, "before the heartbeat timeout");
    } finally {
      raw.close();
      await server.kill();
      await backend.dispose();
    }
  },
);

Deno.test({
  name: "a client that does not read is ended 4009 once its writes stall for the close timeout",
  ...opts,
}, async () => {
  const backend = await SQLITE.create();
  const server = await startServer({ ...backend.env, MAX_BUFFERED_BYTES: "65536" });
  const db = await backend.open();
  const raw = await RawWebSocket.connect(server.wsUrl);
  try {
    // 24 MB of pending cards: far more than the loopback socket buffers hold.
    const big = "r".repeat(4000);
    await db.exec("BEGIN");
    for (let i = 0; i < 6000; i++) await db.insertResponse({ response_text: big });
    await db.exec("COMMIT");
    await raw.sendText(JSON.stringify({ type: "CL", token: await mintToken("slow", "operator") }));
    await new Promise((r) => setTimeout(r, 500)); // WELCOME and the SNAPSHOT queue up unread
    const res = await fetch(`${server.url}/api/sr`, {
      method: "POST",
      headers: { authorization: `Bearer ${await mintToken("writer", "module")}` },
      body: JSON.stringify({ response_id: await db.insertResponse() }),
    });
    assert.equal(res.status, 200);
    await res.body?.cancel();
    // v1.2: the SNAPSHOT is sent under flow control, so a client that reads
    // late is served, not closed; one that does not read at all is ended
    // when a write has made no progress for the close timeout (5 s, seen
    // on two sweeps). Nothing is read here until the server has given up.
    const deadline = Date.now() + 20_000;
    let metrics = "";
    while (Date.now() < deadline) {
      metrics = await (await fetch(`${server.url}/metrics`)).text();
      if (/^ws_slow_consumer_closes_total 1$/m.test(metrics)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.match(metrics, /^ws_slow_consumer_closes_total 1$/m);
    assert.match(metrics, /^ws_connections_closed_total\{code="4009"\} 1$/m);
    // Whatever the kernel buffered arrives, then the 4009 when it could be
    // queued behind it, or the end of the stream when the write never moved.
    const code = await raw.readUntilClose();
    assert.ok(code === 4009 || code === null, `closed with ${code}`);
  } finally {
    raw.close();
    await db.close();
    await server.kill();
    await backend.dispose();
  }
});
