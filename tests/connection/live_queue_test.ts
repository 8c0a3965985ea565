import assert from "node:assert/strict";
import { createClient } from "../../src/connection/client.ts";
import {
  clearQueue,
  keepQueued,
  QUEUED_EVENT_OVERHEAD_BYTES,
  queueLive,
} from "../../src/connection/live_queue.ts";
import { asSeq } from "../../src/protocol/types.ts";
import { ConnectionAccount } from "../../src/transport/account.ts";
import { RecordingSocket } from "../_support/recording_socket.ts";

function client(limit: number) {
  const socket = Object.assign(new RecordingSocket(), { account: new ConnectionAccount(limit) });
  return { c: createClient(socket, "x", 0, { perSecond: 1, burst: 1 }), account: socket.account };
}

Deno.test("low row: live events held during a replay are charged; a full account refuses them", () => {
  const { c, account } = client(3 * (100 + QUEUED_EVENT_OVERHEAD_BYTES));
  const frame = "e".repeat(100);
  assert.ok(queueLive(c, asSeq(1), frame));
  assert.ok(queueLive(c, asSeq(2), frame));
  assert.ok(queueLive(c, asSeq(3), frame));
  assert.ok(!queueLive(c, asSeq(4), frame), "the replay stalled: the caller closes 4009");
  assert.equal(c.queue.length, 3);
  assert.equal(account.held, c.queuedBytes);
  keepQueued(c, [c.queue[2]!]);
  assert.equal(account.held, 100 + QUEUED_EVENT_OVERHEAD_BYTES);
  clearQueue(c);
  assert.equal(account.held, 0);
  assert.deepEqual(c.queue, []);
});
