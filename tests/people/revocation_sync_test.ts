/**
 * `RevocationService` on a real SQLite file shared by two "processes" (two
 * stores, two lists), with fake time: a revocation made on one reaches the
 * other by its database poll, closes nothing it does not cover, and is read
 * back by a service that starts later (a restart).
 */
import assert from "node:assert/strict";
import { WebSocketManager } from "../../src/connection/manager.ts";
import { silentLogger } from "../../src/logging/logger.ts";
import { RevocationEnforcer } from "../../src/people/enforcer.ts";
import { RevocationService } from "../../src/people/revocation_sync.ts";
import { RevocationList } from "../../src/people/revocations.ts";
import { SqliteStore } from "../../src/store/sqlite_store.ts";
import { FakeClock } from "../_support/fake_clock.ts";
import { freshSqlitePath } from "../_support/services.ts";

async function node(path: string, clock: FakeClock) {
  const store = new SqliteStore({ path });
  await store.init();
  const manager = new WebSocketManager({
    clock,
    logger: silentLogger,
    maxBufferedBytes: 1000,
    helloTimeoutMs: 10_000,
    heartbeatTimeoutMs: 45_000,
  });
  const revocations = new RevocationList();
  const enforcer = new RevocationEnforcer({ manager, revocations, clock, logger: silentLogger });
  const service = new RevocationService({
    store,
    revocations,
    enforcer,
    clock,
    logger: silentLogger,
    pollMs: 500,
  });
  return { store, revocations, service };
}

Deno.test("a revocation reaches another process by the database poll, and survives a restart", async () => {
  const file = await freshSqlitePath();
  const clock = new FakeClock(1_800_000_000_000);
  const a = await node(file.path, clock);
  const b = await node(file.path, clock);
  try {
    await a.service.start(null);
    await b.service.start(null);
    assert.equal(b.revocations.loaded, true);
    const made = await a.service.revoke("alice");
    assert.equal(made.revokedAt, 1_800_000_000_000);
    assert.equal(a.revocations.refuses({ sub: "alice", iat: 1_799_999_999 }), true, "at once here");
    assert.equal(b.revocations.revokedAt("alice"), null, "not before the poll");
    clock.tick(500);
    await b.service.poll(); // the tick started one; this waits for a full read
    assert.equal(b.revocations.revokedAt("alice"), made.revokedAt);

    // A later revocation of the same user moves the moment; an old announcement does not undo it.
    clock.tick(60_000);
    const later = await b.service.revoke("alice");
    a.service.onRevocation(made);
    await a.service.poll();
    assert.equal(a.revocations.revokedAt("alice"), later.revokedAt);

    const restarted = await node(file.path, clock);
    try {
      await restarted.service.start(null);
      assert.equal(restarted.revocations.revokedAt("alice"), later.revokedAt);
    } finally {
      await restarted.service.stop();
      await restarted.store.close();
    }
  } finally {
    for (const n of [a, b]) {
      await n.service.stop();
      await n.store.close();
    }
    await file.remove();
  }
});
