/**
 * Revocation across two server processes on one MariaDB database, with
 * Redis up and with Redis down (PROTOCOL.md §2 `POST /api/admin/revoke`,
 * §5 "People"): every connection of the user closes 4001 with the reason
 * within 2 s on both processes, the old tokens are refused on every door
 * (`/ws`, `/api/history`, `/stats`, `/api/sr`), a token minted afterwards
 * works, a restart keeps the revocation, other users are untouched, and a
 * non-admin gets 403 on both admin endpoints.
 * @module
 */
import assert from "node:assert/strict";
import { MYSQL_UP, REDIS_UP } from "../_support/services.ts";
import { startServer } from "../_support/server.ts";
import { MARIADB } from "../integration/backends.ts";
import {
  afterSecondOf,
  type BrokerMode,
  call,
  clusterEnv,
  peopleUntil,
  refusedHello,
  revoke,
  startPair,
  token,
  welcomed,
} from "./_people.ts";

const REASON = "your access was revoked";

for (const mode of ["redis-up", "redis-down"] as const satisfies readonly BrokerMode[]) {
  Deno.test({
    name: `revocation on two processes (${mode}): closes, refusals, re-admission, restart`,
    ignore: !MYSQL_UP || (mode === "redis-up" && !REDIS_UP),
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const backend = await MARIADB.create();
      const env = clusterEnv(mode, backend);
      const [a, b] = await startPair(env);
      let bRestarted: Awaited<ReturnType<typeof startServer>> | null = null;
      try {
        const before = Math.floor(Date.now() / 1000) - 5;
        const admin = await token("root", "admin");
        const alice = await token("alice", "operator", { iat: before });
        const aliceAdmin = await token("alice", "admin", { iat: before });
        const aliceModule = await token("alice", "module", { iat: before });
        const aliceNoIat = await token("alice", "operator", { iat: null });
        const bob = await token("bob", "operator");
        const bobModule = await token("bob", "module");

        // A non-admin gets 403 on both endpoints, no token 401.
        for (const s of [a, b]) {
          assert.equal((await call(`${s.url}/api/admin/people`, alice)).status, 403);
          assert.equal((await call(`${s.url}/api/admin/people`, null)).status, 401);
          const post = await call(`${s.url}/api/admin/revoke`, bob, {
            method: "POST",
            body: JSON.stringify({ user: "alice" }),
          });
          assert.equal(post.status, 403);
          assert.equal((post.body as { code: string }).code, "forbidden");
        }
        // Bad bodies are 400 bad_frame.
        for (
          const body of [
            "",
            "{",
            "[]",
            '{"user": 5}',
            '{"user": ""}',
            JSON.stringify({ user: "x".repeat(256) }),
          ]
        ) {
          const r = await call(`${a.url}/api/admin/revoke`, admin, { method: "POST", body });
          assert.equal(r.status, 400, body);
          assert.equal((r.body as { code: string }).code, "bad_frame", body);
        }
        const huge = await call(`${a.url}/api/admin/revoke`, admin, {
          method: "POST",
          body: JSON.stringify({ user: "alice", pad: "x".repeat(5_000) }),
        });
        assert.equal(huge.status, 400, "a body over 4 KiB is not read further");

        // Before: alice's tokens open every door.
        const sessions = [
          await welcomed(a, alice),
          await welcomed(a, aliceAdmin),
          await welcomed(b, alice),
          await welcomed(b, aliceNoIat),
        ];
        const bobs = [await welcomed(a, bob), await welcomed(b, bob)];
        assert.equal((await call(`${a.url}/stats`, aliceAdmin)).status, 200);
        assert.equal((await call(`${b.url}/api/history`, alice)).status, 200);
        const sr = await call(`${a.url}/api/sr`, aliceModule, {
          method: "POST",
          body: JSON.stringify({ response_id: 999_999 }),
        });
        assert.equal(sr.status, 404, JSON.stringify(sr.body));

        const listed = await peopleUntil(
          a,
          admin,
          (p) => p.find((x) => x.user === "alice")?.connections === 4,
        );
        const aliceRow = listed.find((x) => x.user === "alice")!;
        assert.deepEqual(aliceRow.roles, ["admin", "operator"]);
        assert.equal(aliceRow.revoked_at, null);
        assert.ok(aliceRow.since && aliceRow.last_seen);

        // Revoke on A: every connection on both processes closes 4001 within 2 s.
        const { revokedAt, sentAt } = await revoke(a, admin, "alice");
        const ends = await Promise.all(sessions.map((s) => s.ended));
        for (const end of ends) {
          assert.equal(end.code, 4001);
          assert.equal(end.reason, REASON);
        }
        const slowest = Math.max(...ends.map((e) => e.at)) - sentAt;
        console.log(
          `[measure] ${mode}: revoke → last of 4 connections closed: ${slowest.toFixed(0)} ms`,
        );
        assert.ok(slowest < 2000, `closed after ${slowest} ms`);

        // Other users are untouched.
        for (const s of bobs) {
          const reply = await s.client.request({ type: "HEARTBEAT" });
          assert.equal(reply.type, "HEARTBEAT");
        }

        // The old tokens are refused on every door of both processes.
        for (const s of [a, b]) {
          for (const old of [alice, aliceAdmin, aliceNoIat]) {
            const refused = await refusedHello(s, old);
            assert.match(refused.message, /revoked/);
            assert.equal(refused.reason, REASON);
          }
          assert.equal((await call(`${s.url}/api/history`, alice)).status, 401);
          assert.equal((await call(`${s.url}/stats`, aliceAdmin)).status, 401);
          const srOld = await call(`${s.url}/api/sr`, aliceModule, {
            method: "POST",
            body: JSON.stringify({ response_id: 1 }),
          });
          assert.equal(srOld.status, 401);
          const srBob = await call(`${s.url}/api/sr`, bobModule, {
            method: "POST",
            body: JSON.stringify({ response_id: 999_999 }),
          });
          assert.equal(srBob.status, 404, "another user's module token still works");
        }

        // Both processes list alice as revoked.
        for (const s of [a, b]) {
          const people = await peopleUntil(
            s,
            admin,
            (p) => p.find((x) => x.user === "alice")?.connections === 0,
          );
          const row = people.find((x) => x.user === "alice")!;
          assert.equal(Date.parse(row.revoked_at!), revokedAt);
          assert.equal(people.find((x) => x.user === "bob")?.connections, 2);
        }

        // A token minted after the revocation works, on both processes.
        await afterSecondOf(revokedAt);
        const fresh = await token("alice", "operator");
        const again = [await welcomed(a, fresh), await welcomed(b, fresh)];
        assert.equal((await call(`${b.url}/api/history`, fresh)).status, 200);

        // A restart keeps the revocation (read from the database at start).
        for (const s of again) s.client.socket.close();
        await b.stop();
        bRestarted = await startServer({ ...env });
        const refused = await refusedHello(bRestarted, alice);
        assert.equal(refused.reason, REASON);
        assert.equal((await call(`${bRestarted.url}/api/history`, alice)).status, 401);
        const after = await welcomed(bRestarted, fresh);
        after.client.socket.close();
        for (const s of bobs) s.client.socket.close();
      } finally {
        await Promise.all([a.stop(), b.stop(), bRestarted?.stop()]);
        await backend.dispose();
      }
    },
  });
}
