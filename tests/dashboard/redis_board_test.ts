/**
 * The figures board on real Redis: records signed with the key derived from
 * AUTH_SECRET are read back; a record written by someone else (no key, the
 * wrong key, or under another node's name) is dropped and counted.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import {
  figuresKey,
  figuresKeyFromSecret,
  RedisBoard,
  signRecord,
  verifyRecord,
} from "../../src/dashboard/redis_board.ts";
import { silentLogger } from "../../src/logging/logger.ts";
import { REDIS_UP, TEST_REDIS_URL } from "../_support/services.ts";
import { node } from "./_figures.ts";

const SECRET = "a-secret-of-at-least-thirty-two-chars!";

Deno.test("signRecord/verifyRecord: the signature covers the record; another key fails", async () => {
  const key = await figuresKeyFromSecret(SECRET);
  const other = await figuresKeyFromSecret(`${SECRET}x`);
  const signed = await signRecord(key, '{"a":1}');
  assert.equal(await verifyRecord(key, signed), '{"a":1}');
  assert.equal(await verifyRecord(other, signed), null);
  assert.equal(await verifyRecord(key, signed.replace('"a":1', '"a":2')), null);
  assert.equal(await verifyRecord(key, '{"a":1}'), null);
  assert.equal(await verifyRecord(key, `${"0".repeat(64)}.{}`), null);
});

Deno.test({
  name: "RedisBoard reads signed records and drops forged ones",
  ignore: !REDIS_UP,
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const epoch = `test-${crypto.randomUUID()}`;
  const board = new RedisBoard({
    url: TEST_REDIS_URL,
    epoch,
    secret: SECRET,
    logger: silentLogger,
  });
  const raw = new Redis(TEST_REDIS_URL);
  try {
    const now = Date.now();
    await board.publish(node({ node: "good", updated_at: now }));
    await board.publish(node({ node: "old", updated_at: now - 10_000 }));
    const json = JSON.stringify(node({ node: "forged", updated_at: now }));
    await raw.hset(figuresKey(epoch), "forged", json);
    const wrongKey = await figuresKeyFromSecret("another-secret-of-at-least-32-chars!");
    await raw.hset(figuresKey(epoch), "wrongkey", await signRecord(wrongKey, json));
    const impostor = await signRecord(await figuresKeyFromSecret(SECRET), json);
    await raw.hset(figuresKey(epoch), "not-forged", impostor);
    const read = await board.read(now - 5_000);
    assert.deepEqual(read.map((f) => f.node), ["good"]);
    assert.equal(board.rejected, 3);
    assert.ok(await raw.pttl(figuresKey(epoch)) > 0, "the hash expires unless kept alive");
  } finally {
    await raw.del(figuresKey(epoch));
    raw.disconnect();
    await board.close();
  }
});
