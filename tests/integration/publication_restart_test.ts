/**
 * The publication pipeline across restarts (v1.2, PROTOCOL.md §3.4), on
 * SQLite and MariaDB: an undo window open when every process is killed
 * with SIGKILL is honoured when one comes back (undo still works inside
 * it; the approval is queued at its end, once), and a publishing module
 * that was offline for longer than `EVENT_RETENTION_HOURS` still takes
 * every approval made meanwhile.
 */
import assert from "node:assert/strict";
import { mintToken, startServer } from "../_support/server.ts";
import { TestClient } from "../_support/ws_client.ts";
import { BACKENDS } from "./backends.ts";
import { ack, eventOf } from "./_publication.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const kind of BACKENDS) {
  Deno.test(
    {
      name: `publication on ${kind.name}: a window open at kill -9 of every process is honoured`,
      ignore: !kind.available,
      ...opts,
    },
    async () => {
      const backend = await kind.create();
      const env = { ...backend.env, UNDO_WINDOW_MS: "3000", PUBLISH_LEASE_MS: "5000" };
      const first = [await startServer(env), await startServer(env)];
      const clients: TestClient[] = [];
      const db = await backend.open();
      try {
        const alice = await TestClient.open(first[0]!.wsUrl);
        clients.push(alice);
        await alice.hello(await mintToken("alice", "operator"));
        const a = await db.insertResponse();
        const b = await db.insertResponse({ response_text: "proposed" });
        await ack(alice, { type: "APPROVED", response_id: a });
        const decided = await ack(alice, { type: "APPROVED", response_id: b, text: "edited" });
        const approvedAt = Date.now();
        for (const s of first) await s.kill(); // SIGKILL, both
        const second = await startServer(env);
        first.push(second);
        const bob = await TestClient.open(second.wsUrl);
        clients.push(bob);
        await bob.hello(await mintToken("alice", "operator"));
        await bob.nextOf("SNAPSHOT");
        // Inside the window the decider may still undo, on the new process.
        assert.ok(Date.now() < approvedAt + 3000, "still inside the window");
        await ack(bob, { type: "UNDO", response_id: b });
        assert.equal((await db.getResponse(b))?.response_text, "proposed", "edit restored");
        const queued = await eventOf(bob, (e) => e.event === "queued" && e.response_id === a, 8000);
        const approved = (await db.events()).find((e) =>
          e.response_id === a && e.kind === "approved"
        );
        assert.ok(approved && approved.seq < decided.seq + 1);
        assert.ok(Date.now() >= approvedAt + 3000 - 50, "not before the window's end");
        assert.equal(queued.attempt, 1);
        // Killed again after the window passed while nothing ran: the next start still queues once.
        const c = await db.insertResponse();
        await ack(bob, { type: "APPROVED", response_id: c });
        await second.kill();
        await sleep(3500);
        const third = await startServer(env);
        first.push(third);
        const started = Date.now();
        const pub = await TestClient.open(third.wsUrl);
        clients.push(pub);
        await pub.hello(await mintToken("pub", "module"));
        let queuedC: { seq: number } | undefined;
        while (!queuedC && Date.now() - started < 5000) {
          queuedC = (await db.events()).find((e) => e.response_id === c && e.kind === "queued");
          if (!queuedC) await sleep(50);
        }
        assert.ok(queuedC, "queued within a few seconds of the start");
        const { jobs } = await ack(pub, { type: "TAKE", max: 20 });
        assert.deepEqual(
          jobs.map((j: { response_id: number }) => j.response_id).sort(),
          [a, c].sort(),
        );
        const kinds = (await db.events()).filter((e) => e.kind === "queued").map((e) =>
          e.response_id
        );
        assert.deepEqual(kinds.sort(), [a, c].sort(), "each queued once");
      } finally {
        for (const cl of clients) await cl.close().catch(() => {});
        for (const s of first) await s.kill();
        await db.close();
        await backend.dispose();
      }
    },
  );

  Deno.test(
    {
      name:
        `publication on ${kind.name}: a module offline past EVENT_RETENTION_HOURS takes every approval`,
      ignore: !kind.available,
      ...opts,
    },
    async () => {
      const backend = await kind.create();
      // 0.001 h = 3.6 s of log.
      const env = { ...backend.env, UNDO_WINDOW_MS: "200", EVENT_RETENTION_HOURS: "0.001" };
      const servers = [await startServer(env)];
      const clients: TestClient[] = [];
      const db = await backend.open();
      try {
        const pub = await TestClient.open(servers[0]!.wsUrl);
        clients.push(pub);
        const welcome = await pub.hello(await mintToken("pub", "module"));
        await pub.nextOf("SNAPSHOT");
        await pub.close(); // the module goes offline
        const alice = await TestClient.open(servers[0]!.wsUrl);
        clients.push(alice);
        await alice.hello(await mintToken("alice", "operator"));
        const ids: number[] = [];
        for (let i = 0; i < 5; i++) {
          const id = await db.insertResponse();
          await ack(alice, { type: "APPROVED", response_id: id });
          ids.push(id);
        }
        for (const id of ids) {
          await eventOf(alice, (e) => e.event === "queued" && e.response_id === id);
        }
        await servers[0]!.stop();
        await sleep(4000); // every event is now older than the retention
        servers.push(await startServer(env)); // prunes at start
        assert.equal((await db.events()).length, 0, "the log was pruned");
        const back = await TestClient.open(servers[1]!.wsUrl);
        clients.push(back);
        const again = await back.hello(await mintToken("pub", "module"), {
          epoch: welcome.epoch,
          last_seq: welcome.seq,
        });
        assert.equal(again.resumed, false, "its position is gone");
        await back.nextOf("SNAPSHOT");
        const { jobs } = await ack(back, { type: "TAKE", max: 20 });
        assert.deepEqual(jobs.map((j: { response_id: number }) => j.response_id), ids);
      } finally {
        for (const cl of clients) await cl.close().catch(() => {});
        for (const s of servers) await s.kill();
        await db.close();
        await backend.dispose();
      }
    },
  );
}
