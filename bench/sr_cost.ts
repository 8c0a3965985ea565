/**
 * What one `SR` costs the server's process in CPU, part by part, warm, on
 * SQLite with the shipped `synchronous = FULL`: the whole
 * `processPendingResponse`, then each store call it makes alone. Sequential
 * calls, CPU from `process.cpuUsage()` (user and system, all threads).
 *
 * `deno task bench:sr-cost [rows]`
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import process from "node:process";
import { asResponseId, type ResponseId } from "../src/protocol/types.ts";
import { SqliteStore } from "../src/store/sqlite_store.ts";
import { processPendingResponse } from "../src/review/process_pending_response.ts";
import { createRenderer } from "../src/review/render.ts";
import { systemClock } from "../src/clock.ts";
import { failed } from "../src/review/fetch_result.ts";

const ROWS = Number(Deno.args[0] ?? 2000);
const dir = await Deno.makeTempDir({ prefix: "sr_cost_" });
const path = `${dir}/sr.sqlite`;
const store = new SqliteStore({ path });
await store.init();
const raw = new DatabaseSync(path);
raw.exec("PRAGMA busy_timeout = 5000");
const insert = raw.prepare(
  "INSERT INTO responses (platform, post_url, post_text, author, response_text, status, created_at) " +
    "VALUES ('telegram', ?, ?, 'author', ?, 'pending', '2026-12-06 00:00:00.000')",
);
const rows = (n: number): ResponseId[] =>
  Array.from({ length: n }, (_, i) =>
    asResponseId(Number(
      insert.run(`https://t.me/c/${i}`, "post text ".repeat(40), "reply ".repeat(60))
        .lastInsertRowid,
    )));
const renderer = createRenderer();
const deps = {
  store,
  renderer,
  fetchPostText: () => Promise.resolve(failed("network", "not in this benchmark")),
  dbBudgetMs: 5000,
  clock: systemClock,
};

async function measure(name: string, ids: ResponseId[], fn: (id: ResponseId) => Promise<unknown>) {
  for (const id of ids.slice(0, 200)) await fn(id); // warm-up
  const rest = ids.slice(200);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const id of rest) await fn(id);
  const wall = (performance.now() - t0) / rest.length;
  const c = process.cpuUsage(c0);
  console.log(
    `${name.padEnd(28)} user ${(c.user / rest.length).toFixed(1).padStart(6)} µs  ` +
      `system ${(c.system / rest.length).toFixed(1).padStart(6)} µs  wall ${
        (wall * 1000).toFixed(0).padStart(5)
      } µs`,
  );
}

const ids = rows(ROWS);
await measure("getResponse", ids, (id) => store.getResponse(id));
await measure("findAnnouncement", ids, (id) => store.findAnnouncement(id));
await measure("announcementState", ids, (id) => store.announcementState(id));
await measure("processPendingResponse", ids, (id) => processPendingResponse(id, deps));
await measure("  again (duplicate)", ids, (id) => processPendingResponse(id, deps));
const fresh = rows(ROWS);
await measure(
  "announce alone",
  fresh,
  (id) =>
    store.announce(id, (row) => ({
      event: "pending",
      response_id: row.id,
      platform: "telegram",
      post_url: row.post_url,
      html: renderer.renderCard(row, { postText: row.post_text, unavailable: false }),
    })),
);
await store.close();
raw.close();
await Deno.remove(dir, { recursive: true });
