/**
 * Replay and live events overlapping: a client resumes from the start of a
 * long log (read from the database, since the restarted server's memory is
 * empty) while a module keeps appending. It must see every event once, in
 * order, with no gap where the replay hands over to live delivery.
 */
import assert from "node:assert/strict";
import { mintToken, startServer } from "../_support/server.ts";
import { TestClient } from "../_support/ws_client.ts";
import { BACKENDS } from "./backends.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const BACKLOG = 1500;

for (const kind of BACKENDS) {
  Deno.test({
    name: `replay overlapping live appends: once each, in order (${kind.name})`,
    ignore: !kind.available,
    ...opts,
  }, async () => {
    const backend = await kind.create();
    const env = { ...backend.env, RATE_LIMIT_PER_SEC: "100000", RATE_LIMIT_BURST: "100000" };
    let server = await startServer(env);
    const db = await backend.open();
    const moduleToken = await mintToken("writer", "module");
    try {
      const ids: number[] = [];
      for (let i = 0; i < BACKLOG; i++) {
        ids.push(await db.insertResponse({ response_text: `r${i}` }));
      }
      let mod = await TestClient.open(server.wsUrl);
      const { epoch } = await mod.hello(moduleToken);
      // The backlog in batches: what this test proves is the handover, not
      // how fast 1500 SRs sent at once commit on a loaded machine.
      for (let i = 0; i < ids.length; i += 100) {
        await Promise.all(
          ids.slice(i, i + 100).map((id) => mod.request({ type: "SR", response_id: id }, 30_000)),
        );
      }
      await mod.close();
      await server.stop();
      server = await startServer({ ...env, WEBSOCKET_PORT: String(server.port) });

      mod = await TestClient.open(server.wsUrl);
      await mod.hello(moduleToken, { epoch, last_seq: BACKLOG });
      let appending = true;
      let appended = 0;
      const pump = (async () => {
        while (appending) {
          await mod.request({ type: "SR", response_id: await db.insertResponse() }, 10_000);
          appended++;
        }
      })();
      while (appended < 5) await new Promise((r) => setTimeout(r, 5));
      const reader = await TestClient.open(server.wsUrl);
      const welcome = await reader.hello(await mintToken("alice", "operator"), {
        epoch,
        last_seq: 0,
      });
      assert.equal(welcome.resumed, true);
      while (appended < 40) await new Promise((r) => setTimeout(r, 5));
      appending = false;
      await pump;
      const head = BACKLOG + appended;
      const events = await reader.events(head, 20_000);
      await new Promise((r) => setTimeout(r, 300)); // anything extra would show up now
      const seqs = reader.history.filter((f) => f.type === "EVENT").map((f) => f.seq);
      assert.equal(seqs.length, head, `${seqs.length} events for a head of ${head}`);
      seqs.forEach((s, i) => assert.equal(s, i + 1, `position ${i}`));
      assert.ok(
        welcome.seq > BACKLOG && welcome.seq < head,
        "live appends went on during the replay",
      );
      assert.equal(events.length, head);
      await reader.close();
      await mod.close();
    } finally {
      await server.kill();
      await db.close();
      await backend.dispose();
    }
  });
}
