/**
 * PRESENCE (v1.1) across two server processes on one database, on SQLite and
 * on MariaDB, through the database (no Redis) and through Redis: the list
 * after the SNAPSHOT,
 * changes seen on the other process within 2 s (measured and printed),
 * modules not listed, and a process killed with -9 dropping out within
 * HEARTBEAT_TIMEOUT_MS + 5 s.
 */
import assert from "node:assert/strict";
import type { Frame, TestClient } from "../_support/ws_client.ts";
import { Redis } from "ioredis";
import { REDIS_UP, TEST_REDIS_URL } from "../_support/services.ts";
import { BACKENDS } from "./backends.ts";
import { withTwoServers } from "./_two_servers.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const HEARTBEAT_TIMEOUT_MS = 3000;

type Entry = { user: string; connections: number; since: string };

/** Waits for a PRESENCE on `c` that satisfies `match`; returns it and when it came. */
async function presence(c: TestClient, match: (list: Entry[]) => boolean, timeoutMs: number) {
  const f = await c.next((f: Frame) => f.type === "PRESENCE" && match(f.operators), timeoutMs);
  return { list: f.operators as Entry[], at: performance.now() };
}

/** Lets the once-a-second coalescing pass, so a change's latency is its propagation alone. */
const settle = () => new Promise((r) => setTimeout(r, 1100));

const count = (list: Entry[], user: string) => list.find((e) => e.user === user)?.connections ?? 0;

const MODES = [
  { via: "the database", env: {} },
  { via: "Redis", env: { REDIS_URL: TEST_REDIS_URL }, needsRedis: true },
] as const;

for (const kind of BACKENDS) {
  for (const mode of MODES) {
    Deno.test(
      {
        name: `presence on ${kind.name} through ${mode.via}, two processes`,
        ignore: !kind.available || ("needsRedis" in mode && !REDIS_UP),
        ...opts,
      },
      (t) =>
        withTwoServers(kind, {
          HEARTBEAT_INTERVAL_MS: "1000",
          HEARTBEAT_TIMEOUT_MS: String(HEARTBEAT_TIMEOUT_MS),
          ...mode.env,
        }, async ({ servers, connect: open }) => {
          // Clients heartbeat as the contract asks (the timeout is short here).
          const beats: ReturnType<typeof setInterval>[] = [];
          const connect = async (...args: Parameters<typeof open>) => {
            const c = await open(...args);
            beats.push(setInterval(() => {
              if (c.socket.readyState === WebSocket.OPEN) c.send({ type: "HEARTBEAT" });
            }, 500));
            return c;
          };
          let alice!: TestClient;
          const latencies: number[] = [];
          try {
            await t.step("PRESENCE follows the SNAPSHOT and lists the user", async () => {
              alice = await connect(0, "alice");
              const first = await presence(alice, (l) => count(l, "alice") === 1, 3000);
              const types = alice.history.map((f) => f.type);
              assert.ok(types.indexOf("SNAPSHOT") < types.indexOf("PRESENCE"), types.join(","));
              const me = first.list.find((e) => e.user === "alice")!;
              assert.ok(Date.parse(me.since) <= Date.now());
              assert.equal(first.list.length, 1);
            });

            await t.step("changes on the other process arrive within 2 s", async () => {
              // Connect, connect again, disconnect: each change seen on process 0.
              await settle();
              const t0 = performance.now();
              const bob1 = await connect(1, "bob");
              latencies.push((await presence(alice, (l) => count(l, "bob") === 1, 2000)).at - t0);
              await settle();
              const t1 = performance.now();
              const bob2 = await connect(1, "bob");
              latencies.push((await presence(alice, (l) => count(l, "bob") === 2, 2000)).at - t1);
              await settle();
              const t2 = performance.now();
              await bob2.close();
              latencies.push((await presence(alice, (l) => count(l, "bob") === 1, 2000)).at - t2);
              // An admin is listed; a module is not.
              await settle();
              const t3 = performance.now();
              await connect(1, "root", "admin");
              latencies.push((await presence(alice, (l) => count(l, "root") === 1, 2000)).at - t3);
              await connect(1, "writer", "module");
              // Bob on process 1 sees alice from process 0 as well.
              const seen = await presence(bob1, (l) => count(l, "alice") === 1, 2000);
              assert.equal(count(seen.list, "writer"), 0, "modules are not operators");
              if (mode.via === "Redis") {
                // The reports are in Redis, one signed field per process.
                const epoch = alice.history.find((f) => f.type === "WELCOME")!.epoch;
                const redis = new Redis(TEST_REDIS_URL);
                try {
                  const fields = await redis.hgetall(`wsserver:presence:${epoch}`);
                  assert.equal(Object.keys(fields).length, 2);
                  for (const v of Object.values(fields)) assert.match(v, /^[0-9a-f]{64}\./);
                } finally {
                  redis.disconnect();
                }
              }
              console.log(
                `presence latency across processes on ${kind.name} via ${mode.via} (ms): ` +
                  latencies.map((l) => l.toFixed(0)).join(", "),
              );
              assert.ok(latencies.every((l) => l < 2000));
            });

            await t.step(
              "a process killed with -9 drops out within HEARTBEAT_TIMEOUT_MS + 5 s",
              async () => {
                alice.frames.length = 0; // only lists sent after the kill count
                const killedAt = performance.now();
                await servers[1]!.kill();
                const gone = await presence(
                  alice,
                  (l) => count(l, "bob") === 0 && count(l, "root") === 0,
                  HEARTBEAT_TIMEOUT_MS + 5000,
                );
                const ms = gone.at - killedAt;
                console.log(
                  `presence on ${kind.name} via ${mode.via}: killed process dropped out after ${
                    ms.toFixed(0)
                  } ms ` +
                    `(HEARTBEAT_TIMEOUT_MS=${HEARTBEAT_TIMEOUT_MS})`,
                );
                assert.deepEqual(gone.list.map((e) => e.user), ["alice"]);
              },
            );
          } finally {
            beats.forEach(clearInterval);
          }
        }),
    );
  }
}
