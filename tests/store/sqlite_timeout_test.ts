/**
 * `DB_TIMEOUT_MS` on SQLite: a statement waits at most `busyTimeoutMs` for
 * another connection's write lock (another process, here a raw connection
 * holding `BEGIN IMMEDIATE`), then fails with `StoreUnavailableError`; once
 * the lock is released the same store writes again.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { asResponseId } from "../../src/protocol/types.ts";
import { SqliteStore } from "../../src/store/sqlite_store.ts";
import { StoreUnavailableError } from "../../src/store/store.ts";
import { freshSqlitePath } from "../_support/services.ts";
import { build } from "./build.ts";

const BUSY_MS = 300;

Deno.test("sqlite store: a write lock held elsewhere costs at most busyTimeoutMs, then unavailable", async () => {
  const tmp = await freshSqlitePath();
  const store = new SqliteStore({ path: tmp.path, busyTimeoutMs: BUSY_MS });
  const other = new DatabaseSync(tmp.path);
  try {
    await store.init();
    const id = Number(
      other.prepare(
        "INSERT INTO responses (platform, post_url, response_text, status, created_at) " +
          "VALUES ('vk', 'https://vk.com/wall-1_1', 'text', 'pending', '2026-01-01 00:00:00.000')",
      ).run().lastInsertRowid,
    );
    other.exec("BEGIN IMMEDIATE");
    const started = performance.now();
    await assert.rejects(() => store.announce(asResponseId(id), build), StoreUnavailableError);
    const ms = performance.now() - started;
    assert.ok(ms >= BUSY_MS * 0.8 && ms < BUSY_MS + 1000, `waited ${ms.toFixed(0)} ms`);
    other.exec("ROLLBACK");
    assert.equal((await store.announce(asResponseId(id), build)).kind, "appended");
  } finally {
    other.close();
    await store.close();
    await tmp.remove();
  }
});
