/**
 * `TrackedConn`: writes pass through to the connection (and name it as their
 * `writer`, so a WebSocket's sender writes to it directly); closing releases
 * the connection's place in the budget once, whoever closes it and how often.
 */
import assert from "node:assert/strict";
import { trackedPair } from "./_fake_conn.ts";

Deno.test("writes reach the connection, through the wrapper or its writer alike", async () => {
  const { peer, conn } = trackedPair(() => 0);
  assert.equal(await conn.write(new TextEncoder().encode("ab")), 2);
  assert.equal(await conn.writer.write(new TextEncoder().encode("cd")), 2);
  assert.equal(peer.text(), "abcd");
  assert.strictEqual(conn.writer, peer as unknown, "the writer is the connection itself");
});

Deno.test("closing releases the budget once and closes the connection", () => {
  const { peer, conn, budget } = trackedPair(() => 0);
  const pending = budget.pending;
  let closed = 0;
  conn.onclosed = () => closed++;
  conn.close();
  conn.close();
  assert.equal(budget.pending, pending - 1);
  assert.equal(peer.closed, true);
  assert.equal(closed, 1);
  assert.equal(conn.closed, true);
});
