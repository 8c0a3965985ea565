/**
 * Runs the store conformance suite on MariaDB, plus what is MySQL's own:
 * unreachable server, connections killed server-side, lock wait retries,
 * creating the database.
 * @module
 */
import assert from "node:assert/strict";
import mysql from "mysql2/promise";
import { MysqlStore } from "../../src/store/mysql_store.ts";
import { StoreUnavailableError } from "../../src/store/store.ts";
import { asSeq } from "../../src/protocol/types.ts";
import { TEST_MYSQL } from "../_support/services.ts";
import { mysqlHarness } from "./_fixtures.ts";
import { appended, insertRow, storeTest } from "./_helpers.ts";
import { build } from "./build.ts";
import { storeConformance } from "./conformance.ts";

storeConformance(mysqlHarness);

const at = new Date("2026-03-04T05:06:07.890Z");

/** A port on 127.0.0.1 where nothing listens. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

Deno.test("mysql store: an unreachable server is StoreUnavailableError", async () => {
  const store = new MysqlStore({
    host: "127.0.0.1",
    port: closedPort(),
    database: "wstest_unreachable",
    connectTimeoutMs: 1000,
  });
  try {
    await assert.rejects(store.init(), StoreUnavailableError);
    await assert.rejects(store.ping(), StoreUnavailableError);
    await assert.rejects(store.head(), StoreUnavailableError);
    assert.throws(() => store.epoch(), /init/);
  } finally {
    await store.close();
  }
  assert.throws(() => new MysqlStore({ host: "h", database: "bad-name" }), RangeError);
});

async function admin() {
  return await mysql.createConnection({ ...TEST_MYSQL });
}

async function serverConnectionsOf(database: string): Promise<number[]> {
  const conn = await admin();
  try {
    const [rows] = await conn.query(
      "SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()",
      [database],
    );
    return (rows as { id: number }[]).map((r) => Number(r.id));
  } finally {
    await conn.end();
  }
}

storeTest(
  mysqlHarness,
  "a transaction whose connection is killed before COMMIT runs again",
  async ({ fx, store }) => {
    const database = fx.target.dialect === "mysql" ? fx.target.database : "";
    const id = await insertRow(fx);
    // Hold the head row so the decision waits inside its transaction, then kill
    // the connection it waits on: nothing was committed, so it runs again.
    await fx.exec("START TRANSACTION");
    await fx.exec("UPDATE ws_meta SET head = head WHERE id = 1");
    const deciding = store.decide({ responseId: id, decision: "approved", by: "anna", at });
    deciding.catch(() => {}); // judged when awaited below
    const conn = await admin();
    let victim: number | null = null;
    try {
      for (const end = Date.now() + 5000; victim === null && Date.now() < end;) {
        const [rows] = await conn.query(
          "SELECT id FROM information_schema.processlist WHERE db = ? AND info LIKE ?",
          [database, "UPDATE ws_meta SET head = LAST_INSERT_ID(%"],
        );
        const found = rows as { id: unknown }[];
        if (found.length > 0) victim = Number(found[0]!.id);
        else await new Promise((r) => setTimeout(r, 20));
      }
      assert.notEqual(victim, null, "the decision never waited for the head row");
      await conn.query(`KILL ${victim}`);
    } finally {
      await conn.end();
    }
    await new Promise((r) => setTimeout(r, 200));
    await fx.exec("COMMIT");
    const e = appended(await deciding);
    assert.equal(e.seq, 1);
    assert.equal(await store.head(), 1);
    assert.equal((await store.getResponse(id))?.decided_by, "anna");
    assert.equal((await store.readSince(asSeq(0), 10)).length, 1);
  },
);

storeTest(
  mysqlHarness,
  "connections killed server-side are replaced by the pool",
  async ({ fx, store }) => {
    assert.equal(fx.target.dialect, "mysql");
    const database = fx.target.dialect === "mysql" ? fx.target.database : "";
    const id = await insertRow(fx);
    appended(await store.announce(id, build));
    await Promise.all([store.head(), store.snapshot(), store.ping()]); // several pooled connections
    const before = await serverConnectionsOf(database);
    const fixtureConnections = new Set<number>(
      (await fx.exec("SELECT CONNECTION_ID() AS id")).rows.map((r) => Number(r.id)),
    );
    const victims = before.filter((c) => !fixtureConnections.has(c));
    assert.ok(victims.length >= 1, "the store holds no connection to kill");
    const conn = await admin();
    try {
      for (const victim of victims) await conn.query(`KILL ${Number(victim)}`);
    } finally {
      await conn.end();
    }
    // Reads, a snapshot and writes all recover, without the caller retrying.
    assert.equal(await store.head(), 1);
    assert.equal((await store.snapshot()).seq, 1);
    appended(await store.decide({ responseId: id, decision: "approved", by: "anna", at }));
    assert.deepEqual((await store.readSince(asSeq(0), 10)).map((e) => e.seq), [1, 2]);
    const after = await serverConnectionsOf(database);
    assert.ok(after.every((c) => !victims.includes(c)), "a killed connection is still listed");
  },
);

storeTest(
  mysqlHarness,
  "a transaction that times out waiting for a lock is run again",
  async ({ fx }) => {
    const database = fx.target.dialect === "mysql" ? fx.target.database : "";
    const store = new MysqlStore({ ...TEST_MYSQL, database, lockWaitTimeoutSec: 1 });
    await store.init();
    const watcher = await admin();
    try {
      const id = await insertRow(fx);
      // Another session holds the log's head row for 2.5 s: attempts time out
      // after 1 s (innodb_lock_wait_timeout of the store's sessions) and are
      // run again, in new transactions, until the row is free.
      await fx.exec("START TRANSACTION");
      await fx.exec("UPDATE ws_meta SET head = head WHERE id = 1");
      const deciding = store.decide({ responseId: id, decision: "approved", by: "anna", at });
      deciding.catch(() => {}); // judged when awaited below
      // Each attempt shows in the process list as the head UPDATE waiting, its
      // time restarting from zero when the attempt is run again.
      let attempts = 0;
      let lastMs = Infinity;
      for (const end = Date.now() + 2500; Date.now() < end;) {
        const [rows] = await watcher.query(
          "SELECT time_ms FROM information_schema.processlist WHERE db = ? AND info LIKE ?",
          [database, "UPDATE ws_meta SET head = LAST_INSERT_ID(%"],
        );
        const waiting = rows as { time_ms: unknown }[];
        const ms = waiting.length > 0 ? Number(waiting[0]!.time_ms) : Infinity;
        if (ms < lastMs) attempts++;
        lastMs = ms;
        await new Promise((r) => setTimeout(r, 50));
      }
      await fx.exec("COMMIT");
      const e = appended(await deciding);
      assert.equal(e.seq, 1);
      assert.equal(await store.head(), 1);
      assert.ok(attempts >= 2, `expected the transaction to run again, saw ${attempts} attempt(s)`);
    } finally {
      await watcher.end();
      await store.close();
    }
  },
);

storeTest(
  mysqlHarness,
  "init creates the database with utf8mb4 and InnoDB tables",
  async ({ fx }) => {
    const database = fx.target.dialect === "mysql" ? fx.target.database : "";
    const { rows } = await fx.exec(
      "SELECT table_name AS t, engine AS e, table_collation AS c FROM information_schema.tables " +
        "WHERE table_schema = ? ORDER BY table_name",
      [database],
    );
    // Sorted here: the information schema's collation orders "_" unlike code points.
    assert.deepEqual(rows.map((r) => String(r.t)).sort(), [
      "responses",
      "ws_announcements",
      "ws_claims",
      "ws_events",
      "ws_meta",
      "ws_nodes",
      "ws_presence",
      "ws_publication_attempts",
      "ws_publications",
      "ws_revocations",
      "ws_schema_version",
    ]);
    assert.ok(rows.every((r) => r.e === "InnoDB" && String(r.c).startsWith("utf8mb4")));
    const idx = await fx.exec(
      "SELECT column_name AS c FROM information_schema.statistics " +
        "WHERE table_schema = ? AND table_name = 'responses' AND index_name = 'responses_status_created' " +
        "ORDER BY seq_in_index",
      [database],
    );
    assert.deepEqual(idx.rows.map((r) => r.c), ["status", "created_at", "id"]);
  },
);
