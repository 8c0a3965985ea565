/**
 * Issue 13, rows H1, H2, M3, the 60 KB undecodable flood and the close-code
 * low row, as attacks on a real server process: what one peer can make the
 * server hold or spend is bounded by its connection's account and its one
 * rate limit. Each asserts a bound (memory from `ps`, a close code, a round
 * trip) and logs its figure as a `[measure]` line.
 */
import assert from "node:assert/strict";
import { mintToken } from "../_support/server.ts";
import { TestClient } from "../_support/ws_client.ts";
import { clientFrame } from "../transport/_frames.ts";
import {
  alive,
  awaitClose,
  closeQuietly,
  rssMb,
  upgradedPeer,
  withServer,
  writeAll,
} from "./_attack.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** Repeats a frame into one write of about `size` bytes. */
function repeated(frame: Uint8Array, size: number): Uint8Array {
  const n = Math.max(1, Math.floor(size / frame.length));
  const out = new Uint8Array(frame.length * n);
  for (let i = 0; i < n; i++) out.set(frame, i * frame.length);
  return out;
}

/** Writes `burst` until `stop()` or the connection fails; never rejects. */
function flood(conn: Deno.Conn, burst: Uint8Array, seconds: number): Promise<void> {
  const until = Date.now() + seconds * 1000;
  return (async () => {
    try {
      while (Date.now() < until) await writeAll(conn, burst);
    } catch { /* closed or reset: expected */ }
  })();
}

async function timedHeartbeats(c: TestClient, n: number): Promise<number> {
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    assert.equal((await c.request({ type: "HEARTBEAT" }, 3000)).type, "HEARTBEAT");
    worst = Math.max(worst, performance.now() - t0);
    await new Promise((r) => setTimeout(r, 50));
  }
  return worst;
}

Deno.test({
  name: "H1: endless empty continuation frames close the peer (1009/4029) within 5 s, RSS +<40 MB",
  ...opts,
  fn: async () => {
    await withServer({}, async (server) => {
      const before = await rssMb(server.pid);
      const peers = await Promise.all(Array.from({ length: 3 }, () => upgradedPeer(server.port)));
      const started = Date.now();
      const writers = peers.map(async (p) => {
        await writeAll(p, clientFrame(0x1, "{", { fin: false }));
        await flood(p, repeated(clientFrame(0x0, "", { fin: false }), 64 * 1024), 6);
      });
      const codes = await Promise.all(peers.map((p) => awaitClose(p, 6_000)));
      const ms = Date.now() - started;
      const peak = await rssMb(server.pid);
      console.log(
        `[measure] H1: 3 peers closed ${codes.join(",")} after ${ms} ms; RSS ${
          before.toFixed(0)
        } → ${peak.toFixed(0)} MB`,
      );
      for (const c of codes) assert.ok(c === 1009 || c === 4029, `closed ${c}`);
      assert.ok(peak - before < 40, `grew ${(peak - before).toFixed(0)} MB`);
      peers.forEach(closeQuietly);
      await Promise.all(writers);
      assert.ok(await alive(server.pid));
    });
  },
});

Deno.test({
  name: "H2: pings from a peer that never reads: closed (4029/4009), RSS +<40 MB",
  ...opts,
  fn: async () => {
    await withServer({}, async (server) => {
      const before = await rssMb(server.pid);
      const peer = await upgradedPeer(server.port);
      // 5 s of pings, never reading a pong.
      await flood(peer, repeated(clientFrame(0x9, "x".repeat(125)), 64 * 1024), 5);
      const peak = await rssMb(server.pid);
      const code = await awaitClose(peer, 3_000);
      console.log(
        `[measure] H2 (not reading): closed ${code}; RSS ${before.toFixed(0)} → ${
          peak.toFixed(0)
        } MB`,
      );
      assert.ok(code === 4029 || code === 4009, `closed ${code}`);
      assert.ok(peak - before < 40, `grew ${(peak - before).toFixed(0)} MB`);
      closeQuietly(peer);
      assert.ok(await alive(server.pid));
    });
  },
});

Deno.test({
  name: "H2: a reading peer flooding pings and pongs is closed 4029; others' round trip < 250 ms",
  ...opts,
  fn: async () => {
    await withServer({}, async (server) => {
      const operator = await TestClient.open(server.wsUrl);
      await operator.hello(await mintToken("alice", "operator"));
      const peers = await Promise.all([upgradedPeer(server.port), upgradedPeer(server.port)]);
      const started = Date.now();
      const closes = peers.map((p) => awaitClose(p, 5_000).then((c) => [c, Date.now() - started]));
      const writers = [
        flood(peers[0]!, repeated(clientFrame(0x9, ""), 16 * 1024), 5),
        flood(peers[1]!, repeated(clientFrame(0xa, ""), 16 * 1024), 5),
      ];
      const worst = await timedHeartbeats(operator, 20);
      const results = await Promise.all(closes);
      console.log(
        `[measure] H2 (reading): ping/pong flooders closed ${
          JSON.stringify(results)
        } (code, ms); ` +
          `worst heartbeat round trip ${worst.toFixed(1)} ms`,
      );
      for (const [code] of results) assert.equal(code, 4029);
      assert.ok(worst < 250, `worst round trip ${worst} ms`);
      peers.forEach(closeQuietly);
      await Promise.all(writers);
      await operator.close();
    });
  },
});

Deno.test({
  name:
    "60 KB undecodable frames at 90 a second (under the frame rate): 4029 within 3 s (bytes count)",
  ...opts,
  fn: async () => {
    await withServer({}, async (server) => {
      const peer = await upgradedPeer(server.port);
      const started = Date.now();
      const closed = awaitClose(peer, 6_000).then((c) => [c, Date.now() - started] as const);
      // 9 frames every 100 ms: 5.4 MB/s, but fewer frames than RATE_LIMIT_PER_SEC (100).
      const batch = repeated(clientFrame(0x1, "x".repeat(60_000)), 9 * 60_010);
      const writer = (async () => {
        try {
          while (Date.now() - started < 6_000) {
            await writeAll(peer, batch);
            await new Promise((r) => setTimeout(r, 100));
          }
        } catch { /* closed */ }
      })();
      const [code, ms] = await closed;
      console.log(`[measure] 60 KB undecodable frames at 90/s: closed ${code} after ${ms} ms`);
      assert.equal(code, 4029);
      assert.ok(ms < 3000, `closed after ${ms} ms`);
      closeQuietly(peer);
      await writer;
    });
  },
});

Deno.test({
  name: "close codes §7.4: forbidden codes answered 1002, allowed ones echoed",
  ...opts,
  fn: async () => {
    await withServer({}, async (server) => {
      const answers: Record<string, number | string> = {};
      for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535]) {
        const p = await upgradedPeer(server.port);
        await writeAll(p, clientFrame(0x8, new Uint8Array([code >> 8, code & 255])));
        answers[code] = await awaitClose(p, 3000);
        closeQuietly(p);
      }
      for (const code of [1000, 1001, 1003, 1007, 1014, 3000, 4000, 4999]) {
        const p = await upgradedPeer(server.port);
        await writeAll(p, clientFrame(0x8, new Uint8Array([code >> 8, code & 255])));
        answers[code] = await awaitClose(p, 3000);
        closeQuietly(p);
      }
      console.log(`[measure] close-code answers: ${JSON.stringify(answers)}`);
      for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535]) {
        assert.equal(answers[code], 1002, `code ${code}`);
      }
      for (const code of [1000, 1001, 1003, 1007, 1014, 3000, 4000, 4999]) {
        assert.equal(answers[code], code, `code ${code}`);
      }
    });
  },
});

Deno.test({
  name: "M3: 300 connections closing with distinct codes add no metric labels or dashboard keys",
  ...opts,
  fn: async () => {
    await withServer({}, async (server) => {
      const codes = Array.from({ length: 300 }, (_, i) => 3000 + i * 5);
      for (let i = 0; i < codes.length; i += 50) {
        await Promise.all(
          codes.slice(i, i + 50).map(async (code) => {
            const p = await upgradedPeer(server.port);
            await writeAll(p, clientFrame(0x8, new Uint8Array([code >> 8, code & 255])));
            await awaitClose(p, 3000);
            closeQuietly(p);
          }),
        );
      }
      await new Promise((r) => setTimeout(r, 300));
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const labels = new Set(
        text.split("\n").filter((l) => l.startsWith("ws_connections_closed_total{"))
          .map((l) => /code="([^"]*)"/.exec(l)?.[1]),
      );
      console.log(
        `[measure] M3: /metrics ${text.length} bytes; close-code labels ${[...labels].join(",")}`,
      );
      assert.ok(labels.size <= 20, `${labels.size} labels`);
      assert.ok(labels.has("other"));
      for (const l of labels) assert.ok(l === "other" || !/^3\d\d\d$/.test(l ?? ""), `label ${l}`);
    });
  },
});
