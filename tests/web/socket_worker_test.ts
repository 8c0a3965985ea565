/**
 * The page's socket in a worker (issue 17: a 1000-card `SNAPSHOT` held the
 * page's thread for 244–430 ms): a large message is parsed in the worker and
 * reaches the page as slices that together are the frame; small ones pass as
 * text; the SDK, given the worker's socket, sees the same pending list as
 * with its own.
 */
import assert from "node:assert/strict";
import { connect, type ReviewClient } from "../../web/sdk/mod.ts";
import {
  type FromWorker,
  LARGE_CHARS,
  SLICE_CHARS,
  splitMessage,
} from "../../web/page/socket_worker.ts";
import { pageSockets, WorkerSocket } from "../../web/page/worker_socket.ts";
import { mintToken } from "../_support/server.ts";
import { SQLITE } from "../integration/backends.ts";
import { startHub } from "../sdk/_live.ts";

const item = (i: number) => ({
  response_id: i,
  platform: "vk",
  post_url: `https://vk.com/wall-1_${i}`,
  html: `<article>${"reply text ".repeat(150)}${i}</article>`,
  claimed_by: null,
  claim_until: null,
});

/** The promise, or a failure after `ms` (a lost frame must fail the test, not hang it). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

Deno.test("a short message passes as text, untouched", () => {
  const text = JSON.stringify({ type: "EVENT", seq: 3, event: "pending", response_id: 1 });
  assert.deepEqual(splitMessage(text, 5), [{ t: "text", data: text }]);
});

Deno.test("a large SNAPSHOT becomes a head and slices holding every item once, in order", () => {
  const items = Array.from({ length: 1000 }, (_, i) => item(i + 1));
  const frame = { type: "SNAPSHOT", seq: 42, items, in_flight: [] };
  const text = JSON.stringify(frame);
  assert.ok(text.length >= LARGE_CHARS);
  const out = splitMessage(text, 1234);
  const head = out[0] as Extract<FromWorker, { t: "head" }>;
  assert.equal(head.t, "head");
  assert.equal(head.count, 1000);
  assert.equal(head.receivedAt, 1234);
  assert.deepEqual(head.frame, { type: "SNAPSHOT", seq: 42, items: [], in_flight: [] });
  const slices = out.slice(1) as Array<Extract<FromWorker, { t: "items" }>>;
  assert.ok(slices.length > 10, `${slices.length} slices`);
  for (const slice of slices) {
    assert.equal(slice.t, "items");
    // No slice much past its size: the page's task for one slice stays small.
    assert.ok(JSON.stringify(slice.items).length < 2 * SLICE_CHARS);
  }
  assert.deepEqual(slices.flatMap((s) => s.items), items);
});

Deno.test("a large message that is not a JSON object passes as text", () => {
  const text = "x".repeat(LARGE_CHARS + 1);
  assert.deepEqual(splitMessage(text, 0), [{ t: "text", data: text }]);
  const list = JSON.stringify(Array.from({ length: 20_000 }, (_, i) => i));
  assert.deepEqual(splitMessage(list, 0), [{ t: "text", data: list }]);
});

Deno.test({
  name: "the SDK over the worker's socket gets a 300-card SNAPSHOT and live events",
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const hub = await startHub(SQLITE);
  const script = new URL("./_socket_worker_entry.ts", import.meta.url);
  let client: ReviewClient | null = null;
  try {
    for (let i = 0; i < 300; i++) {
      await hub.db.insertResponse({ response_text: `Reply ${i}: ${"words ".repeat(60)}` });
    }
    const sockets: WorkerSocket[] = [];
    class Socket extends WorkerSocket {
      constructor(url: string) {
        super(url, script);
        sockets.push(this);
      }
    }
    client = connect(hub.server.wsUrl, {
      token: await mintToken("alice", "operator"),
      WebSocket: Socket,
    });
    const snapshot = await within(client.once("snapshot"), 20_000, "no SNAPSHOT");
    assert.ok(JSON.stringify(snapshot).length >= LARGE_CHARS, "it came parsed, in slices");
    assert.equal(snapshot.items.length, 300);
    assert.equal(client.pending.size, 300);
    assert.equal(sockets.length, 1);
    const writer = connect(hub.server.wsUrl, { token: await mintToken("writer", "module") });
    try {
      const id = await hub.db.insertResponse({ response_text: "one more" });
      const pending = client.once("pending", (e) => e.response_id === id);
      await writer.submit(id);
      await within(pending, 20_000, "no pending event");
      assert.equal(client.pending.size, 301);
      // Sending goes through the worker too.
      const ack = await client.claim(id);
      assert.equal(ack.claimed_by, "alice");
    } finally {
      writer.close();
    }
  } finally {
    client?.close();
    await hub.dispose();
  }
});

Deno.test({
  name: "a worker that fails to start: the next connection uses the runtime's own WebSocket",
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const hub = await startHub(SQLITE);
  let client: ReviewClient | null = null;
  try {
    await hub.db.insertResponse({ response_text: "one" });
    const closes: number[] = [];
    client = connect(hub.server.wsUrl, {
      token: await mintToken("alice", "operator"),
      WebSocket: pageSockets(new URL("./_no_such_worker.ts", import.meta.url)),
    });
    client.on("state", (s) => {
      if (s.kind === "reconnecting" && s.retryAt !== null) closes.push(s.lastClose.code);
    });
    const snapshot = await within(client.once("snapshot"), 20_000, "no SNAPSHOT");
    assert.equal(snapshot.items.length, 1);
    assert.deepEqual(closes, [1006], "one failed try through the worker, then the page's own");
  } finally {
    client?.close();
    await hub.dispose();
  }
});
