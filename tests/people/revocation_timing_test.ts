/**
 * How long a revocation takes to reach every connection: two server
 * processes on one MariaDB database, a user with two connections on each;
 * `POST /api/admin/revoke` on the first; the time from sending it to the
 * last of the four `4001` closes arriving. 20 runs with Redis up and 20 with
 * Redis down (the database poll alone); prints `[measure]` lines with p50
 * and max, and holds every run to the contract's 2 s.
 * @module
 */
import assert from "node:assert/strict";
import { MYSQL_UP, REDIS_UP } from "../_support/services.ts";
import { MARIADB } from "../integration/backends.ts";
import { type BrokerMode, clusterEnv, revoke, startPair, token, welcomed } from "./_people.ts";

const RUNS = 20;

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

for (const mode of ["redis-up", "redis-down"] as const satisfies readonly BrokerMode[]) {
  Deno.test({
    name: `revoke → last connection closed, ${RUNS} runs (${mode})`,
    ignore: !MYSQL_UP || (mode === "redis-up" && !REDIS_UP),
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const backend = await MARIADB.create();
      const [a, b] = await startPair(clusterEnv(mode, backend));
      try {
        const admin = await token("root", "admin");
        const iat = Math.floor(Date.now() / 1000) - 5;
        const times: number[] = [];
        for (let run = 0; run < RUNS; run++) {
          const user = `timed-${run}`;
          const jwt = await token(user, "operator", { iat });
          const sessions = [
            await welcomed(a, jwt),
            await welcomed(a, jwt),
            await welcomed(b, jwt),
            await welcomed(b, jwt),
          ];
          const { sentAt } = await revoke(a, admin, user);
          const ends = await Promise.all(sessions.map((s) => s.ended));
          assert.ok(ends.every((e) => e.code === 4001));
          times.push(Math.max(...ends.map((e) => e.at)) - sentAt);
        }
        const sorted = [...times].sort((x, y) => x - y);
        const p50 = quantile(sorted, 0.5), max = sorted.at(-1)!;
        console.log(
          `[measure] revocation ${mode}: revoke → last of 4 connections (2 processes) closed, ` +
            `${RUNS} runs: p50 ${p50.toFixed(0)} ms, max ${max.toFixed(0)} ms ` +
            `(all: ${sorted.map((t) => t.toFixed(0)).join(" ")})`,
        );
        assert.ok(max < 2000, `slowest run ${max} ms`);
      } finally {
        await Promise.all([a.stop(), b.stop()]);
        await backend.dispose();
      }
    },
  });
}
