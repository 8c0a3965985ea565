/**
 * Runs the store conformance suite on SQLite files, plus what is SQLite's own:
 * WAL and the parent directory.
 * @module
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { SqliteStore } from "../../src/store/sqlite_store.ts";
import { StoreUnavailableError } from "../../src/store/store.ts";
import { freshSqlitePath } from "../_support/services.ts";
import { sqliteHarness } from "./_fixtures.ts";
import { storeConformance } from "./conformance.ts";

storeConformance(sqliteHarness);

Deno.test("sqlite store: creates the parent directory and uses WAL", async () => {
  const tmp = await freshSqlitePath();
  const path = tmp.path.replace(/test\.sqlite$/, "nested/deeper/ws.sqlite");
  const store = new SqliteStore({ path });
  try {
    await store.init();
    const raw = new DatabaseSync(path);
    try {
      const [mode] = raw.prepare("PRAGMA journal_mode").all() as { journal_mode: string }[];
      assert.ok(mode, "PRAGMA journal_mode answers");
      assert.equal(mode.journal_mode, "wal");
      const [row] = raw.prepare("SELECT applied_at FROM ws_schema_version").all() as {
        applied_at: string;
      }[];
      assert.ok(row, "the schema version is recorded");
      assert.match(String(row.applied_at), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/);
    } finally {
      raw.close();
    }
  } finally {
    await store.close();
    await tmp.remove();
  }
});

Deno.test("sqlite store: operations before init or after close are unavailable", async () => {
  const tmp = await freshSqlitePath();
  const store = new SqliteStore({ path: tmp.path });
  try {
    await assert.rejects(store.head(), StoreUnavailableError);
    assert.throws(() => store.epoch(), /init/);
    await store.init();
    await store.close();
    await assert.rejects(store.ping(), StoreUnavailableError);
    await assert.rejects(store.init(), StoreUnavailableError);
  } finally {
    await tmp.remove();
  }
});

Deno.test("sqlite store: an unopenable file is unavailable", async () => {
  const store = new SqliteStore({ path: "/proc/no/such/dir/ws.sqlite" });
  await assert.rejects(store.init());
  assert.throws(() => new SqliteStore({ path: "" }), TypeError);
});
