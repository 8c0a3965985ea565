import assert from "node:assert/strict";
import { FallbackPresence } from "../../src/presence/redis_transport.ts";
import type { PresenceTransport, SharedReport } from "../../src/presence/transport.ts";
import { createLogger } from "../../src/logging/logger.ts";

/** A transport in memory that can be made to fail. */
class MemoryTransport implements PresenceTransport {
  readonly kind = "memory";
  down = false;
  readonly rows = new Map<string, string>();
  constructor(readonly processId: string, readonly shared = new Map<string, string>()) {}
  write(users: string): Promise<void> {
    if (this.down) return Promise.reject(new Error("down"));
    this.shared.set(this.processId, users);
    return Promise.resolve();
  }
  touch(): Promise<boolean> {
    if (this.down) return Promise.reject(new Error("down"));
    return Promise.resolve(this.shared.has(this.processId));
  }
  read(): Promise<SharedReport[]> {
    if (this.down) return Promise.reject(new Error("down"));
    return Promise.resolve([...this.shared].map(([processId, users]) => ({ processId, users })));
  }
  remove(): Promise<void> {
    this.shared.delete(this.processId);
    return Promise.resolve();
  }
}

const logger = createLogger("error");

Deno.test("fallback: Redis while it answers, the database while it does not, both read", async () => {
  const redisShared = new Map<string, string>();
  const dbShared = new Map<string, string>();
  const aRedis = new MemoryTransport("A", redisShared);
  const aDb = new MemoryTransport("A", dbShared);
  const a = new FallbackPresence(aRedis, aDb, logger);
  const b = new FallbackPresence(
    new MemoryTransport("B", redisShared),
    new MemoryTransport("B", dbShared),
    logger,
  );
  await a.write("a1");
  await b.write("b1");
  assert.deepEqual([...redisShared.keys()].sort(), ["A", "B"]);
  assert.equal(dbShared.size, 0, "nothing in the database while Redis answers");
  // A loses Redis: its report goes to the database, and B still sees it.
  aRedis.down = true;
  await a.write("a2");
  assert.equal(dbShared.get("A"), "a2");
  const seen = await b.read();
  assert.deepEqual(
    seen.map((r) => `${r.processId}:${r.users}`).sort(),
    ["A:a1", "B:b1"],
    "Redis's report wins while both have one",
  );
  redisShared.delete("A"); // A's field in Redis went stale
  assert.deepEqual((await b.read()).map((r) => `${r.processId}:${r.users}`).sort(), [
    "A:a2",
    "B:b1",
  ]);
  // Redis answers A again: back to Redis, and the database row is withdrawn.
  aRedis.down = false;
  await a.write("a3");
  assert.equal(redisShared.get("A"), "a3");
  assert.equal(dbShared.has("A"), false);
  // The fallback never proves A alive without a write: the write is how it finds Redis back.
  assert.equal(await a.touch(), false);
  // Both sources down: the read fails (the service keeps its last view).
  aRedis.down = true;
  aDb.down = true;
  await assert.rejects(a.read());
});
