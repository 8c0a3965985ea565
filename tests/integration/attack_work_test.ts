/**
 * Issue 13, the rows of work an authenticated user can ask for, as attacks
 * on a real server process: M5 (one operator renewing claims on five
 * connections). Each asserts a bound and prints its figure as a
 * `[measure]` line.
 */
import assert from "node:assert/strict";
import { sqliteDb } from "../_support/db.ts";
import { mintToken } from "../_support/server.ts";
import { TestClient } from "../_support/ws_client.ts";
import { withServer } from "./_attack.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "row M5: one operator renewing CLAIMs on 5 connections: ≤5 claims, no event per renewal",
  ...opts,
  fn: async () => {
    await withServer({}, async (server) => {
      const db = sqliteDb(server.env.SQLITE_PATH!);
      const ids: number[] = [];
      for (let i = 0; i < 20; i++) ids.push(await db.insertResponse({ response_text: `r${i}` }));
      const watcher = await TestClient.open(server.wsUrl);
      await watcher.hello(await mintToken("watcher", "operator"));
      const hog = await mintToken("hog", "operator");
      const conns = await Promise.all(
        Array.from({ length: 5 }, () => TestClient.open(server.wsUrl)),
      );
      for (const c of conns) await c.hello(hog);
      const codes = new Map<string, number>();
      const until = Date.now() + 3000;
      let renewals = 0;
      await Promise.all(conns.map(async (c, k) => {
        let i = k;
        while (Date.now() < until) {
          const reply = await c.request({ type: "CLAIM", response_id: ids[i % ids.length] });
          const code = reply.type === "ACK" ? "ACK" : reply.code;
          codes.set(code, (codes.get(code) ?? 0) + 1);
          renewals++;
          i += 5;
          // ~40 CLAIMs a second per connection: under the rate limit, as the attacker.
          await new Promise((r) => setTimeout(r, 25));
        }
      }));
      await new Promise((r) => setTimeout(r, 300));
      const claimed = watcher.history.filter((f) => f.type === "EVENT" && f.event === "claimed");
      // Another operator decides every row: only the hog's claims refuse them.
      const other = await TestClient.open(server.wsUrl);
      await other.hello(await mintToken("other", "operator"));
      let decided = 0;
      for (const id of ids) {
        const r = await other.request({ type: "APPROVED", response_id: id });
        if (r.type === "ACK") decided++;
      }
      console.log(
        `[measure] row M5: ${renewals} CLAIMs from 5 connections in 3 s → ${claimed.length} claimed events, ` +
          `replies ${
            JSON.stringify(Object.fromEntries(codes))
          }; another operator decided ${decided}/20`,
      );
      assert.ok(claimed.length <= 5, `${claimed.length} claimed events`);
      assert.ok((codes.get("too_many_claims") ?? 0) > 0);
      assert.ok(decided >= 15, `only ${decided} decided`);
      for (const c of [watcher, other, ...conns]) c.socket.close();
      await db.close();
    });
  },
});
