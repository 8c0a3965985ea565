/**
 * Retention: events older than EVENT_RETENTION_HOURS are pruned (at start and
 * every minute); a client whose next event is gone gets a SNAPSHOT, one whose
 * events are all still there resumes; the epoch and the seq counter survive.
 */
import assert from "node:assert/strict";
import { mintToken, startServer } from "../_support/server.ts";
import { TestClient } from "../_support/ws_client.ts";
import { BACKENDS } from "./backends.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

for (const kind of BACKENDS) {
  Deno.test({
    name: `a last_seq past retention gets a SNAPSHOT (${kind.name})`,
    ignore: !kind.available,
    ...opts,
  }, async () => {
    const backend = await kind.create();
    let server = await startServer(backend.env);
    const db = await backend.open();
    try {
      const mod = await TestClient.open(server.wsUrl);
      await mod.hello(await mintToken("writer", "module"));
      for (let i = 0; i < 4; i++) {
        await mod.request({ type: "SR", response_id: await db.insertResponse() });
      }
      await mod.close();
      const op = await TestClient.open(server.wsUrl);
      const { epoch, seq } = await op.hello(await mintToken("alice", "operator"));
      assert.equal(seq, 4);
      await op.close();
      await server.stop();
      // Age the first two events past the 24 h retention, as if a day had passed.
      await db.exec("UPDATE ws_events SET created_at = ? WHERE seq <= 2", [
        "2000-01-01 00:00:00.000",
      ]);
      server = await startServer({ ...backend.env, WEBSOCKET_PORT: String(server.port) });
      assert.deepEqual((await db.events()).map((e) => e.seq), [3, 4]);

      const stale = await TestClient.open(server.wsUrl);
      const w1 = await stale.hello(await mintToken("alice", "operator"), { epoch, last_seq: 1 });
      assert.equal(w1.resumed, false);
      const snap = await stale.nextOf("SNAPSHOT");
      assert.equal(snap.seq, 4);
      assert.equal(snap.items.length, 4);
      const fresh = await TestClient.open(server.wsUrl);
      const w2 = await fresh.hello(await mintToken("alice", "operator"), { epoch, last_seq: 2 });
      assert.equal(w2.resumed, true);
      assert.equal(w2.epoch, epoch);
      assert.deepEqual((await fresh.events(2)).map((e) => e.seq), [3, 4]);
      const mod2 = await TestClient.open(server.wsUrl);
      await mod2.hello(await mintToken("writer", "module"));
      const ack = await mod2.request({ type: "SR", response_id: await db.insertResponse() });
      assert.equal(ack.seq, 5, "the counter does not restart after pruning");
      for (const c of [stale, fresh, mod2]) await c.close();
    } finally {
      await server.kill();
      await db.close();
      await backend.dispose();
    }
  });
}
