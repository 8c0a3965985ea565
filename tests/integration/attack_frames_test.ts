/**
 * Issue 7, rows 4, 5, 6 and 12, as attacks on a real server process: huge
 * frames from peers that never sent `CL`, unfinished fragmented messages, a
 * flood of frames that do not decode, and text that is not UTF-8. Each
 * asserts a bound (memory from /proc, a close code, a round trip), never a
 * timing race.
 */
import assert from "node:assert/strict";
import { mintToken } from "../_support/server.ts";
import { TestClient } from "../_support/ws_client.ts";
import { clientFrame } from "../transport/_frames.ts";
import {
  alive,
  awaitClose,
  closeQuietly,
  frameHeader,
  pump,
  rssMb,
  upgradedPeer,
  withServer,
  writeAll,
} from "./_attack.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const MB = 1_000_000;

Deno.test({
  name: "ten peers without CL each send a 60 MB frame: 1009 at its header, RSS +<160 MB",
  ...opts,
  fn: async () => {
    await withServer({}, async (server) => {
      const before = await rssMb(server.pid);
      const peers = await Promise.all(
        Array.from({ length: 10 }, () => upgradedPeer(server.port)),
      );
      const writers = peers.map((p) => pump(p, frameHeader(60 * MB), 60 * MB));
      const codes = await Promise.all(peers.map((p) => awaitClose(p, 10_000)));
      const peak = await rssMb(server.pid);
      console.log(`[measure] row 4: RSS ${before.toFixed(0)} MB → ${peak.toFixed(0)} MB`);
      assert.deepEqual(codes, Array(10).fill(1009));
      assert.ok(peak - before < 160, `grew ${peak - before} MB`);
      peers.forEach(closeQuietly);
      await Promise.all(writers);
      assert.ok(await alive(server.pid));
    });
  },
});

Deno.test({
  name: "five peers hold unfinished fragmented 60 MB messages: 1009, RSS +<160 MB",
  ...opts,
  fn: async () => {
    await withServer({}, async (server) => {
      const before = await rssMb(server.pid);
      const peers = await Promise.all(Array.from({ length: 5 }, () => upgradedPeer(server.port)));
      // Fragments of 60 000 bytes, each under the limit, never finished.
      const writers = peers.map(async (p) => {
        try {
          await writeAll(p, clientFrame(0x1, new Uint8Array(60_000).fill(0x61), { fin: false }));
          for (let i = 0; i < 1000; i++) {
            await writeAll(p, clientFrame(0x0, new Uint8Array(60_000).fill(0x61), { fin: false }));
          }
        } catch { /* the server stopped reading or closed */ }
      });
      const codes = await Promise.all(peers.map((p) => awaitClose(p, 10_000)));
      const peak = await rssMb(server.pid);
      console.log(`[measure] row 5: RSS ${before.toFixed(0)} MB → ${peak.toFixed(0)} MB`);
      assert.deepEqual(codes, Array(5).fill(1009));
      assert.ok(peak - before < 160, `grew ${peak - before} MB`);
      peers.forEach(closeQuietly);
      await Promise.all(writers);
    });
  },
});

Deno.test({
  name: "a flood of undecodable frames ends in 4029 within 5 s; others' round trip < 250 ms",
  ...opts,
  fn: async () => {
    await withServer({}, async (server) => {
      const operator = await TestClient.open(server.wsUrl);
      await operator.hello(await mintToken("alice", "operator"));
      const flooder = await upgradedPeer(server.port);
      const bad = clientFrame(0x1, "this is not json");
      const burst = new Uint8Array(bad.length * 500);
      for (let i = 0; i < 500; i++) burst.set(bad, i * bad.length);
      let flooding = true;
      const flood = (async () => {
        try {
          while (flooding) await writeAll(flooder, burst);
        } catch { /* closed or reset: expected */ }
      })();
      const started = Date.now();
      const closed = awaitClose(flooder, 5_000).then((c) => ({
        code: c,
        ms: Date.now() - started,
      }));
      let worst = 0;
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        const hb = await operator.request({ type: "HEARTBEAT" }, 2000);
        worst = Math.max(worst, performance.now() - t0);
        assert.equal(hb.type, "HEARTBEAT");
        await new Promise((r) => setTimeout(r, 50));
      }
      const result = await closed;
      flooding = false;
      closeQuietly(flooder);
      await flood;
      console.log(
        `[measure] row 6: flooder closed ${result.code} after ${result.ms} ms; worst heartbeat round trip ${
          worst.toFixed(1)
        } ms`,
      );
      assert.ok(result.code === 4029 || result.code === "reset", `got ${result.code}`);
      assert.ok(result.ms < 5000);
      assert.ok(worst < 250, `worst round trip ${worst} ms`);
      await operator.close();
    });
  },
});

Deno.test({
  name: "a text frame that is not UTF-8 closes 1007",
  ...opts,
  fn: async () => {
    await withServer({}, async (server) => {
      const peer = await upgradedPeer(server.port);
      await writeAll(peer, clientFrame(0x1, new Uint8Array([0x7b, 0xc3, 0x28, 0x7d])));
      assert.equal(await awaitClose(peer, 5_000), 1007);
      closeQuietly(peer);
    });
  },
});
