/**
 * Issue 13's hostile soak: for 60 s, 40 hostile peers (their own process,
 * `_hostile_peers.ts`) each run a random mix of every attack of the
 * transport rows (empty continuations, pings unread, pongs, 60 KB
 * undecodable frames, pipelined GETs never read, CR heads, a path-rewriting
 * Host, random close codes, 60 MB frame headers, silent upgrades) while 100
 * honest operators heartbeat every second and a module submits an `SR`
 * every 250 ms. Asserts: the server's RSS stays under
 * `before + 40 × account limit (4.5 MiB) + 100 × 256 KiB + 100 MB` (runtime
 * and GC slack, ≈ 405 MB over the start), the honest HEARTBEAT round trip p99 is under 250 ms, every honest
 * command is answered, and the process is alive at the end.
 */
import assert from "node:assert/strict";
import { mintToken, startServer } from "../_support/server.ts";
import { TestClient } from "../_support/ws_client.ts";
import { accountLimit } from "../../src/transport/account.ts";
import { alive, rssMb } from "./_attack.ts";
import { SQLITE } from "./backends.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const SECONDS = Number(Deno.env.get("SOAK_SECONDS") ?? 60);
const HOSTILE = 40;
const HONEST = 100;
const MB = 1024 * 1024;

Deno.test({
  name: `hostile soak: ${SECONDS} s, ${HOSTILE} hostile peers, ${HONEST} honest`,
  ...opts,
}, async () => {
  const b = await SQLITE.create();
  const server = await startServer({ ...b.env });
  const db = await b.open();
  const clients: TestClient[] = [];
  try {
    for (let i = 0; i < HONEST; i += 20) {
      clients.push(
        ...await Promise.all(Array.from({ length: 20 }, async (_, k) => {
          const c = await TestClient.open(server.wsUrl);
          await c.hello(await mintToken(`op${i + k}`, "operator"));
          return c;
        })),
      );
    }
    const mod = await TestClient.open(server.wsUrl);
    await mod.hello(await mintToken("writer", "module"));
    const before = await rssMb(server.pid);
    // Hostile peers are closed long before their accounts fill (rate, 1009,
    // write deadline); the bound still grants each its whole account.
    const bound = before + (HOSTILE * accountLimit(65536) + HONEST * 256 * 1024) / MB + 100;

    // The attackers run at the lowest CPU priority: on a real network they
    // are other machines, and here they must not take the honest clients' CPU.
    const hostile = new Deno.Command("nice", {
      args: [
        "-n",
        "19",
        Deno.execPath(),
        "run",
        "--allow-net=127.0.0.1",
        new URL("./_hostile_peers.ts", import.meta.url).pathname,
        String(server.port),
        String(HOSTILE),
        String(SECONDS),
        Deno.env.get("SOAK_ATTACKS") ?? "",
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();

    const until = Date.now() + SECONDS * 1000;
    const rtts: number[] = [];
    const unanswered: string[] = [];
    let peak = before;
    let srs = 0;
    const honest = clients.map(async (c, i) => {
      await new Promise((r) => setTimeout(r, (i * 1000) / HONEST)); // spread over the second
      while (Date.now() < until) {
        const t0 = performance.now();
        try {
          const reply = await c.request({ type: "HEARTBEAT" }, 10_000);
          if (reply.type !== "HEARTBEAT") unanswered.push(JSON.stringify(reply));
          rtts.push(performance.now() - t0);
        } catch (e) {
          unanswered.push(String(e).slice(0, 100));
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    });
    const module = (async () => {
      while (Date.now() < until) {
        try {
          const id = await db.insertResponse({ response_text: `soak ${srs}` });
          const ack = await mod.request({ type: "SR", response_id: id }, 10_000);
          if (ack.type !== "ACK") unanswered.push(JSON.stringify(ack));
          srs++;
        } catch (e) {
          unanswered.push(String(e).slice(0, 100));
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const sampler = (async () => {
      while (Date.now() < until) {
        peak = Math.max(peak, await rssMb(server.pid).catch(() => 0));
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    await Promise.all([...honest, module, sampler]);
    const out = await hostile.output();
    const attacks = new TextDecoder().decode(out.stdout).trim();
    const isAlive = await alive(server.pid);
    rtts.sort((a, b) => a - b);
    const p = (q: number) => rtts[Math.min(rtts.length - 1, Math.floor(q * rtts.length))] ?? NaN;
    console.log(
      `[measure] soak ${SECONDS} s: attacks ${attacks}; RSS ${before.toFixed(0)} → peak ${
        peak.toFixed(0)
      } MB (bound ${bound.toFixed(0)} MB); HEARTBEAT round trips ${rtts.length}: p50 ${
        p(0.5).toFixed(1)
      } ms, p99 ${p(0.99).toFixed(1)} ms, max ${p(1).toFixed(1)} ms; SRs acked ${srs}; ` +
        `unanswered ${unanswered.length}; alive ${isAlive}`,
    );
    assert.ok(isAlive, "the server process is alive");
    assert.deepEqual(unanswered, [], "every honest command is answered");
    assert.ok(peak < bound, `RSS peak ${peak} MB over ${bound} MB`);
    assert.ok(p(0.99) < 250, `HEARTBEAT p99 ${p(0.99)} ms`);
    assert.ok(srs > SECONDS * 2, `only ${srs} SRs acked`);
    await Promise.all(clients.map((c) => c.close()));
    await mod.close();
  } finally {
    await db.close();
    await server.stop();
    await b.dispose();
  }
});
