/**
 * Issue 13, row M7: pending rows whose post text is markup-heavy (escaping
 * multiplies it by four) and twenty fresh connections asking for a
 * `SNAPSHOT` at once. The snapshot goes out under flow control, fragment by
 * fragment, and each card's displayed post text is capped: the server's
 * memory stays bounded and no reading client is closed 4009.
 */
import assert from "node:assert/strict";
import { mintToken, startServer } from "../_support/server.ts";
import { TestClient } from "../_support/ws_client.ts";
import { rssMb } from "./_attack.ts";
import { SQLITE } from "./backends.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const ROWS = 300;
const POST_CHARS = 30_000;

Deno.test({
  name:
    "M7: 20 fresh connections, 300 rows of markup-heavy text: RSS +<150 MB, no 4009, cards capped",
  ...opts,
  fn: async () => {
    const b = await SQLITE.create();
    const server = await startServer({ ...b.env });
    const db = await b.open();
    try {
      const markup = "<b>&'\"</b>".repeat(POST_CHARS / 10);
      for (let i = 0; i < ROWS; i++) {
        await db.insertResponse({ post_text: markup, response_text: `reply ${i} <keep>` });
      }
      const before = await rssMb(server.pid);
      const token = await mintToken("alice", "operator");
      let peak = before;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          peak = Math.max(peak, await rssMb(server.pid).catch(() => 0));
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      const started = Date.now();
      const clients = await Promise.all(
        Array.from({ length: 20 }, () => TestClient.open(server.wsUrl)),
      );
      const snapshots = await Promise.all(clients.map(async (c) => {
        assert.equal((await c.request({ type: "CL", token }, 30_000)).type, "WELCOME");
        return await c.nextOf("SNAPSHOT", 60_000);
      }));
      const ms = Date.now() - started;
      sampling = false;
      await sampler;
      const first = snapshots[0]!;
      const sizes = first.items.map((it: { html: string }) => it.html.length);
      const frameBytes = JSON.stringify(first).length;
      console.log(
        `[measure] M7: 20 SNAPSHOTs of ${first.items.length} items (${
          (frameBytes / 1e6).toFixed(1)
        } MB each, largest card ${Math.max(...sizes)} chars) in ${ms} ms; RSS ${
          before.toFixed(0)
        } → peak ${peak.toFixed(0)} MB`,
      );
      for (const s of snapshots) assert.equal(s.items.length, ROWS);
      assert.ok(Math.max(...sizes) < 20_000, `a card of ${Math.max(...sizes)} chars`);
      assert.match(first.items[0].html, /truncated/);
      assert.ok(peak - before < 150, `RSS grew ${(peak - before).toFixed(0)} MB`);
      // Nobody was closed (4009 or otherwise): every client still answers.
      for (const c of clients) {
        assert.equal((await c.request({ type: "HEARTBEAT" }, 10_000)).type, "HEARTBEAT");
      }
      await Promise.all(clients.map((c) => c.close()));
    } finally {
      await db.close();
      await server.stop();
      await b.dispose();
    }
  },
});
