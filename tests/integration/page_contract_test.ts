/**
 * What the page reads from the wire (issue 17) over a real WebSocket: the
 * `WELCOME` addition `sla_minutes` (`SLA_MINUTES`), and `SNAPSHOT` items with
 * `created_at`, oldest first, rows nobody announced included.
 */
import assert from "node:assert/strict";
import { mintToken } from "../_support/server.ts";
import { TestClient } from "../_support/ws_client.ts";
import { SQLITE } from "./backends.ts";
import { startHub } from "../sdk/_live.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "WELCOME says SLA_MINUTES; SNAPSHOT items carry created_at, oldest first",
  ...opts,
}, async () => {
  const hub = await startHub(SQLITE, { SLA_MINUTES: "7" });
  const client = await TestClient.open(hub.server.wsUrl);
  try {
    const newer = await hub.db.insertResponse({ created_at: new Date("2026-12-01T10:00:00.250Z") });
    const older = await hub.db.insertResponse({ created_at: new Date("2026-11-30T09:00:00.000Z") });
    const welcome = await client.hello(await mintToken("alice", "operator"));
    assert.equal(welcome.sla_minutes, 7);
    assert.deepEqual(welcome.limits, { text: 4096, reason: 1024 });
    const snapshot = await client.nextOf("SNAPSHOT");
    assert.deepEqual(
      snapshot.items.map((
        i: { response_id: number; created_at: string },
      ) => [i.response_id, i.created_at]),
      [[older, "2026-11-30T09:00:00.000Z"], [newer, "2026-12-01T10:00:00.250Z"]],
    );
  } finally {
    await client.close();
    await hub.dispose();
  }
});
