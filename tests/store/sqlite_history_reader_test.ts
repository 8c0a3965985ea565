/**
 * The SQLite store's history reads on a worker thread (issue 13, row M1):
 * the event loop keeps running while a read scans, and a read past the time
 * limit ends the worker and fails `unavailable`; the next read works.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { SqliteHistoryReader } from "../../src/store/sqlite_history_reader.ts";
import { SqliteStore } from "../../src/store/sqlite_store.ts";
import { StoreUnavailableError } from "../../src/store/store.ts";

async function storeWithRows(rows: number, busyTimeoutMs: number) {
  const dir = await Deno.makeTempDir({ prefix: "wshistory_reader_" });
  const path = `${dir}/db.sqlite`;
  const store = new SqliteStore({ path, busyTimeoutMs });
  await store.init();
  const raw = new DatabaseSync(path);
  raw.exec("BEGIN");
  const insert = raw.prepare(
    "INSERT INTO responses (platform, post_url, post_text, response_text, status, created_at, decided_at, decided_by) " +
      "VALUES ('vk', 'https://vk.com/wall-1_1', ?, ?, 'approved', '2026-01-01 00:00:00.000', ?, 'bob')",
  );
  const long = "Пост о погоде и доставке. ".repeat(40);
  for (let i = 0; i < rows; i++) {
    insert.run(long, `reply ${i}`, `2026-01-01 00:00:${String(i % 60).padStart(2, "0")}.000`);
  }
  raw.exec("COMMIT");
  raw.close();
  return { store, path, dispose: () => Deno.remove(dir, { recursive: true }) };
}

Deno.test({
  name:
    "sqlite history reads run off the event loop; one past the limit fails unavailable, the next works",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const { store, dispose } = await storeWithRows(20_000, 5000);
    try {
      assert.equal((await store.history({ q: "reply 7", limit: 5 })).length, 5);
      // A scan (two characters, no trigram) while timers keep firing on this thread.
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      const t0 = performance.now();
      const rows = await store.history({ q: "zq", limit: 5 });
      const ms = performance.now() - t0;
      clearInterval(timer);
      assert.deepEqual(rows, []);
      console.log(
        `[measure] M1 unit: a 2-character scan of 20 000 rows took ${
          ms.toFixed(0)
        } ms; ${ticks} timer ticks meanwhile`,
      );
      assert.ok(
        ticks >= Math.floor(ms / 5) / 4,
        `${ticks} ticks in ${ms} ms: the loop was blocked`,
      );
    } finally {
      await store.close();
      await dispose();
    }
  },
});

Deno.test({
  name:
    "sqlite history: a read past its time limit ends the worker and fails unavailable; the next read works",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const { store, path, dispose } = await storeWithRows(20_000, 5000);
    const reader = new SqliteHistoryReader({ path, busyTimeoutMs: 5000, timeLimitMs: 10_000 });
    try {
      assert.equal((await reader.read({ limit: 3 })).length, 3, "the worker answers");
      await assert.rejects(() => reader.read({ q: "zq", limit: 5 }, 1), StoreUnavailableError);
      assert.equal((await reader.read({ limit: 3 })).length, 3, "a fresh worker answers");
    } finally {
      reader.close();
      await store.close();
      await dispose();
    }
  },
});
