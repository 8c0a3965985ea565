/**
 * `RedisPresence` against real Redis (issue 13, low row): a signed value
 * copied under another field (another process's id) fails its signature and
 * is dropped, instead of being replayed as that process's report.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { systemClock } from "../../src/clock.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { RedisPresence } from "../../src/presence/redis_transport.ts";
import { REDIS_UP, TEST_REDIS_URL } from "../_support/services.ts";

Deno.test({
  name: "presence in Redis: a value replayed under a new field is dropped",
  ignore: !REDIS_UP,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const epoch = `test-${crypto.randomUUID()}`;
    const options = {
      url: TEST_REDIS_URL,
      epoch,
      secret: "presence-test-secret-0123456789-abcdef",
      clock: systemClock,
      logger: createLogger("error"),
      staleMs: 60_000,
    };
    const a = new RedisPresence({ ...options, processId: "process-a" });
    const b = new RedisPresence({ ...options, processId: "process-b" });
    const c = new RedisPresence({ ...options, processId: "process-c" });
    const raw = new Redis(TEST_REDIS_URL);
    const key = `wsserver:presence:${epoch}`;
    try {
      await a.write(
        JSON.stringify([{ user: "alice", connections: 1, since: "2026-01-01T00:00:00.000Z" }]),
      );
      await b.write("[]");
      assert.deepEqual((await b.read()).map((r) => r.processId), ["process-a"], "not its own");
      assert.deepEqual((await a.read()).map((r) => r.processId), ["process-b"]);
      assert.equal(await a.touch(), false, "the time is signed with the report");
      // Someone with Redis access copies A's signed value under new fields.
      const value = await raw.hget(key, "process-a");
      assert.ok(value);
      await raw.hset(key, "process-forged", value, "process-b", value);
      const seen = (await c.read()).map((r) => r.processId).sort();
      assert.deepEqual(seen, ["process-a"], "the copies fail their signature");
    } finally {
      await raw.del(key);
      raw.disconnect();
      await a.remove().catch(() => {});
      await b.remove().catch(() => {});
      await c.remove().catch(() => {});
    }
  },
});
