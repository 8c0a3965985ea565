/**
 * `WORKERS=2`: the real `main.ts` as a supervisor of two workers on one port,
 * on SQLite and on MariaDB, without Redis. Both workers accept connections;
 * an `SR` through one reaches an operator on the other within 1 s (the log is
 * read only once a minute here, so only the supervisor's relay can be that
 * fast); a worker killed with SIGKILL is started again and its clients resume
 * on the port; SIGTERM to the supervisor closes every client 1012 and exits 0.
 */
import assert from "node:assert/strict";
import { mintToken, type RunningServer, startServer } from "../_support/server.ts";
import { type Frame, TestClient } from "../_support/ws_client.ts";
import { BACKENDS } from "../integration/backends.ts";
import { findProcesses, type Placed, workerOfClients } from "./_cluster.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

async function operator(server: RunningServer, user: string): Promise<Placed> {
  const client = await TestClient.open(server.wsUrl);
  const welcome = await client.hello(await mintToken(user, "operator"));
  await client.nextOf("SNAPSHOT");
  return { client, id: welcome.client_id };
}

/** Opens operators until each of the two workers holds at least one. */
async function operatorsOnBoth(
  server: RunningServer,
  admin: string,
): Promise<{ all: Placed[]; byPid: Map<number, Placed[]> }> {
  const all: Placed[] = [];
  for (let round = 0; round < 8; round++) {
    for (let i = 0; i < 4; i++) all.push(await operator(server, `op${all.length}`));
    const where = await workerOfClients(server.port, admin, all, 2);
    const byPid = new Map<number, Placed[]>();
    for (const p of all) {
      const pid = where.get(p.id)!;
      byPid.set(pid, [...(byPid.get(pid) ?? []), p]);
    }
    if (byPid.size === 2) return { all, byPid };
  }
  throw new Error("the kernel sent 32 connections to one worker");
}

function pendingFor(id: number) {
  return (f: Frame) => f.type === "EVENT" && f.event === "pending" && f.response_id === id;
}

for (const backend of BACKENDS) {
  Deno.test({
    name: `WORKERS=2 on ${backend.name}: one port, cross-worker fan-out without Redis, ` +
      "a killed worker restarts, SIGTERM drains with 1012",
    ignore: !backend.available,
    ...opts,
  }, async (t) => {
    const db = await backend.create();
    const server = await startServer({
      ...db.env,
      WORKERS: "2",
      LOG_POLL_MS: "60000",
      TELEGRAM_BASE: "http://127.0.0.1:9",
      VK_API_BASE: "http://127.0.0.1:9",
    });
    const clients: TestClient[] = [];
    try {
      const admin = await mintToken("admin", "admin");
      const rows = await db.open();

      let workers: number[] = [];
      await t.step("both workers answer on the one port, each its own process", async () => {
        const found = await findProcesses(server.port, admin, 2);
        workers = [...found.keys()];
        assert.equal(workers.length, 2);
        assert.ok(!workers.includes(server.pid), "the supervisor serves nothing itself");
        assert.deepEqual([...found.values()].map((s) => s.worker).sort(), [1, 2]);
      });

      await t.step("the cluster view of /stats lists both workers", async () => {
        const deadline = Date.now() + 15_000;
        let nodes: readonly number[] = [];
        while (Date.now() < deadline) {
          nodes = (await findProcesses(server.port, admin, 1)).values().next().value!.nodePids;
          if (workers.every((pid) => nodes.includes(pid))) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        assert.deepEqual([...nodes].sort(), [...workers].sort());
      });

      const { all, byPid } = await operatorsOnBoth(server, admin);
      clients.push(...all.map((p) => p.client));
      const module = await TestClient.open(server.wsUrl);
      clients.push(module);
      const moduleWelcome = await module.hello(await mintToken("mod", "module"));
      const moduleWorker = (await workerOfClients(server.port, admin, [
        { id: moduleWelcome.client_id },
      ], 2)).get(moduleWelcome.client_id)!;
      const otherWorker = workers.find((pid) => pid !== moduleWorker)!;
      const remote = byPid.get(otherWorker)?.[0];
      const local = byPid.get(moduleWorker)?.[0];
      assert.ok(remote && local, "an operator on each worker");

      await t.step(
        "an SR through one worker reaches an operator on the other within 1 s",
        async () => {
          for (let i = 0; i < 3; i++) {
            const id = await rows.insertResponse({ response_text: `cross ${i}` });
            const arrived = remote.client.next(pendingFor(id), 5000);
            const started = performance.now();
            const ack = await module.request({ type: "SR", response_id: id });
            assert.equal(ack.type, "ACK");
            await arrived;
            const ms = performance.now() - started;
            assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms (the log is read once a minute)`);
            await local.client.next(pendingFor(id), 1000);
          }
        },
      );

      await t.step(
        "SRs through both workers at once: every operator sees one contiguous log",
        async () => {
          // A second module, on the other worker.
          let second: TestClient | null = null;
          for (let i = 0; i < 16 && second === null; i++) {
            const m = await TestClient.open(server.wsUrl);
            clients.push(m);
            const w = await m.hello(await mintToken(`mod-b${i}`, "module"));
            const at = (await workerOfClients(server.port, admin, [{ id: w.client_id }], 2))
              .get(w.client_id);
            if (at === otherWorker) second = m;
            else await m.close();
          }
          assert.ok(second, "no connection of 16 reached the other worker");
          const before = remote.client.history.filter((f) => f.type === "EVENT").length;
          const ids: number[] = [];
          for (let i = 0; i < 30; i++) {
            ids.push(await rows.insertResponse({ response_text: `c${i}` }));
          }
          const acks = await Promise.all(
            ids.map((id, i) =>
              (i % 2 === 0 ? module : second!).request({ type: "SR", response_id: id }, 20_000)
            ),
          );
          assert.ok(
            acks.every((a) => a.type === "ACK"),
            JSON.stringify(acks.find((a) => a.type !== "ACK")),
          );
          for (const p of all) {
            const events = await p.client.events(before + ids.length, 5000);
            events.forEach((e, k) => assert.equal(e.seq, k + 1, `operator ${p.id}: event ${k}`));
          }
        },
      );

      await t.step(
        "a worker killed with SIGKILL is started again; its clients resume",
        async () => {
          const victims = byPid.get(otherWorker)!;
          const last = remote.client.history.filter((f) => f.type === "EVENT").at(-1)!;
          const epoch = moduleWelcome.epoch;
          Deno.kill(otherWorker, "SIGKILL");
          // Dropped without a close frame (Deno reports code 0, not 1006).
          for (const v of victims) assert.equal((await v.client.closed).wasClean, false);
          // Committed while the worker is down: the survivor serves the SR.
          const missed = await rows.insertResponse({ response_text: "while down" });
          assert.equal((await module.request({ type: "SR", response_id: missed })).type, "ACK");

          const back = await TestClient.open(server.wsUrl);
          clients.push(back);
          const welcome = await back.hello(await mintToken("op-back", "operator"), {
            epoch,
            last_seq: last.seq,
          });
          assert.equal(welcome.resumed, true);
          await back.next(pendingFor(missed), 5000);

          const now = await findProcesses(server.port, admin, 2, 30_000);
          assert.ok(!now.has(otherWorker), "the killed worker is gone");
          assert.ok(now.has(moduleWorker), "the other worker kept running");
          assert.equal(now.size, 2, "a new worker took the killed one's place");
        },
      );

      await t.step("SIGTERM to the supervisor: every client closed 1012, exit 0", async () => {
        const open = clients.filter((c) => c.socket.readyState === WebSocket.OPEN);
        assert.ok(open.length >= 2);
        const code = await server.stop("SIGTERM");
        for (const c of open) assert.equal((await c.closed).code, 1012);
        assert.equal(code, 0, server.output().slice(-2000));
        const left = await findProcesses(server.port, admin, 1, 500).catch(() => null);
        assert.equal(left, null, "no worker outlives the supervisor");
      });
      await rows.close();
    } finally {
      for (const c of clients) await c.close().catch(() => {});
      await server.kill();
      await db.dispose();
    }
  });
}
