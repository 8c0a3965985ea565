/**
 * The SDK against the real server (`main.ts` in a child process): resume
 * after a dropped connection and after a kill and restart, gaps and
 * duplicates, on SQLite and on MariaDB.
 */
import assert from "node:assert/strict";
import { mintToken } from "../_support/server.ts";
import { BACKENDS, SQLITE } from "../integration/backends.ts";
import { connect, type ReviewClient } from "../../web/sdk/mod.ts";
import { inState, reach, recordSeqs, startHub } from "./_live.ts";
import { startProxy } from "./_proxy.ts";
import { Tap } from "./_tap.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
/** Short backoff so a test waits fractions of a second; the contract's bounds are tested on fake time. */
const FAST = { baseMs: 200, capMs: 1000 };

function contiguous(seqs: number[], from: number, to: number): void {
  assert.deepEqual(seqs, Array.from({ length: to - from + 1 }, (_, i) => from + i));
}

Deno.test(
  { name: "a dropped network connection resumes and misses nothing", ...opts },
  async () => {
    const hub = await startHub(SQLITE);
    const proxy = startProxy(hub.server.port);
    const clients: ReviewClient[] = [];
    try {
      const url = (port: number) => `ws://127.0.0.1:${port}/ws`;
      const writer = connect(url(hub.server.port), { token: await mintToken("writer", "module") });
      const bob = connect(url(hub.server.port), { token: await mintToken("bob", "operator") });
      const alice = connect(url(proxy.port), {
        token: await mintToken("alice", "operator"),
        backoff: FAST,
      });
      clients.push(writer, bob, alice);
      const seqs = recordSeqs(alice);
      await reach(alice, 0); // its SNAPSHOT came: every later event arrives as an EVENT
      const first = await hub.db.insertResponse({ response_text: "first" });
      const a1 = await writer.submit(first);
      await reach(alice, a1.seq!);

      proxy.paused = true;
      proxy.cut();
      await inState(alice, "reconnecting");
      const second = await hub.db.insertResponse({ response_text: "second" });
      await writer.submit(second);
      const decided = await bob.approve(first, "edited by bob");
      proxy.paused = false;

      await reach(alice, decided.seq!);
      contiguous(seqs, 1, decided.seq!);
      assert.deepEqual([...alice.pending.keys()], [second]);
      assert.equal(alice.stats.snapshots, 1, "one snapshot at the start, then resumes only");
      assert.ok(alice.stats.resumes >= 1);
      assert.equal(alice.state, "connected");
    } finally {
      clients.forEach((c) => c.close());
      proxy.close();
      await hub.dispose();
    }
  },
);

for (const kind of BACKENDS) {
  Deno.test({
    name: `kill -9 and restart on ${kind.name}: the client resumes and catches up`,
    ignore: !kind.available,
    ...opts,
  }, async () => {
    const hub = await startHub(kind);
    const tap = new Tap();
    const clients: ReviewClient[] = [];
    try {
      const wsUrl = hub.server.wsUrl;
      const alice = connect(wsUrl, {
        token: await mintToken("alice", "operator"),
        WebSocket: tap.WebSocket,
        backoff: FAST,
      });
      clients.push(alice);
      const seqs = recordSeqs(alice);
      await reach(alice, 0);
      let writer = connect(wsUrl, { token: await mintToken("writer", "module") });
      clients.push(writer);
      const first = await hub.db.insertResponse();
      const s1 = await writer.submit(first);
      await reach(alice, s1.seq!);
      writer.close();

      tap.blocked = true; // alice cannot come back until the test has changed things
      await hub.server.kill();
      await inState(alice, "reconnecting");
      await hub.restart();
      writer = connect(wsUrl, { token: await mintToken("writer", "module") });
      const bob = connect(wsUrl, { token: await mintToken("bob", "operator") });
      clients.push(writer, bob);
      const second = await hub.db.insertResponse();
      await writer.submit(second);
      const rejected = await bob.reject(first, "not now");

      tap.blocked = false;
      const opened = performance.now();
      await reach(alice, rejected.seq!);
      const caughtUpMs = performance.now() - opened;
      console.log(`[measure] ${kind.name}: gate open → caught up in ${caughtUpMs.toFixed(0)} ms`);
      contiguous(seqs, 1, rejected.seq!);
      assert.deepEqual([...alice.pending.keys()], [second]);
      assert.equal(alice.stats.snapshots, 1);
      const hellos = tap.sentOf("CL").filter((s) => s.frame.resume);
      assert.deepEqual(hellos.at(-1)?.frame.resume, {
        epoch: alice.position!.epoch,
        last_seq: s1.seq,
      });
      const row = await hub.db.getResponse(first);
      assert.equal(row?.status, "rejected");
      assert.equal(row?.decided_by, "bob");
    } finally {
      clients.forEach((c) => c.close());
      await hub.dispose();
    }
  });
}

Deno.test(
  { name: "a seq gap makes the client resume from its last contiguous seq", ...opts },
  async () => {
    const hub = await startHub(SQLITE);
    const tap = new Tap();
    const clients: ReviewClient[] = [];
    try {
      const alice = connect(hub.server.wsUrl, {
        token: await mintToken("alice", "operator"),
        WebSocket: tap.WebSocket,
        backoff: FAST,
      });
      const writer = connect(hub.server.wsUrl, { token: await mintToken("writer", "module") });
      clients.push(alice, writer);
      await alice.once("synced");
      const seqs = recordSeqs(alice);
      let droppedSeq = 0;
      tap.incoming = (frame) => {
        if (frame.type === "EVENT" && droppedSeq === 0) {
          droppedSeq = frame.seq as number; // the network "loses" this one frame
          return "drop";
        }
        return "deliver";
      };
      const a = await writer.submit(await hub.db.insertResponse());
      const b = await writer.submit(await hub.db.insertResponse());
      await reach(alice, b.seq!);
      assert.equal(droppedSeq, a.seq);
      assert.equal(alice.stats.gaps, 1);
      contiguous(seqs, a.seq!, b.seq!);
      const resumeHello = tap.sentOf("CL").at(-1)!;
      assert.equal(resumeHello.socket, 1, "a second connection");
      assert.equal((resumeHello.frame.resume as { last_seq: number }).last_seq, a.seq! - 1);
    } finally {
      clients.forEach((c) => c.close());
      await hub.dispose();
    }
  },
);

Deno.test({ name: "events delivered twice are applied once", ...opts }, async () => {
  const hub = await startHub(SQLITE);
  const tap = new Tap();
  tap.incoming = (frame) => frame.type === "EVENT" ? "twice" : "deliver";
  const clients: ReviewClient[] = [];
  try {
    const alice = connect(hub.server.wsUrl, {
      token: await mintToken("alice", "operator"),
      WebSocket: tap.WebSocket,
    });
    const writer = connect(hub.server.wsUrl, { token: await mintToken("writer", "module") });
    clients.push(alice, writer);
    const seqs = recordSeqs(alice);
    await reach(alice, 0);
    let last = 0;
    for (let i = 0; i < 3; i++) last = (await writer.submit(await hub.db.insertResponse())).seq!;
    await reach(alice, last);
    contiguous(seqs, 1, last);
    assert.equal(alice.stats.duplicatesDropped, 3);
    assert.equal(alice.pending.size, 3);
  } finally {
    clients.forEach((c) => c.close());
    await hub.dispose();
  }
});
