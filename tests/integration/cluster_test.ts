/**
 * Two server processes on one MariaDB database: appends from both stay
 * contiguous and in order for every reader on either process, and racing
 * decisions come to exactly one per response — with Redis carrying events
 * between the processes, and without it (each reads the log).
 */
import assert from "node:assert/strict";
import { mintToken, startServer } from "../_support/server.ts";
import { type Frame, TestClient } from "../_support/ws_client.ts";
import { REDIS_UP, TEST_REDIS_URL } from "../_support/services.ts";
import { MARIADB } from "./backends.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const RESPONSES = 200;
const OPERATORS = 10;

function shuffled<T>(items: T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T]; // j ≤ i < a.length
  }
  return a;
}

function assertContiguous(seqs: number[], count: number, who: string) {
  assert.equal(seqs.length, count, `${who}: ${seqs.length} events, expected ${count}`);
  seqs.forEach((s, i) => assert.equal(s, i + 1, `${who}: event ${i} has seq ${s}`));
}

for (const viaRedis of [true, false]) {
  const name = `two processes on one MariaDB ${viaRedis ? "with Redis" : "reading the log"}: ` +
    `contiguous delivery and exactly one decision per response`;
  Deno.test({ name, ignore: !MARIADB.available || (viaRedis && !REDIS_UP), ...opts }, async () => {
    const backend = await MARIADB.create();
    const env = {
      ...backend.env,
      RATE_LIMIT_PER_SEC: "100000",
      RATE_LIMIT_BURST: "100000",
      ...(viaRedis ? { REDIS_URL: TEST_REDIS_URL } : {}),
    };
    const servers = [await startServer(env), await startServer(env)];
    const db = await backend.open();
    const clients: TestClient[] = [];
    try {
      const operators: TestClient[] = [];
      for (let i = 0; i < OPERATORS; i++) {
        const c = await TestClient.open(servers[i % 2]!.wsUrl);
        await c.hello(await mintToken(`op${i}`, "operator"));
        await c.nextOf("SNAPSHOT");
        operators.push(c);
        clients.push(c);
      }
      const ids: number[] = [];
      for (let i = 0; i < RESPONSES; i++) {
        ids.push(await db.insertResponse({ response_text: `r${i}` }));
      }

      // Modules on both processes announce concurrently.
      const modules = await Promise.all(servers.map(async (s, i) => {
        const m = await TestClient.open(s.wsUrl);
        await m.hello(await mintToken(`mod${i}`, "module"));
        clients.push(m);
        return m;
      }));
      await Promise.all(
        modules.map((m, i) =>
          Promise.all(
            ids.filter((_, k) => k % 2 === i).map((id) =>
              m.request({ type: "SR", response_id: id }, 20_000)
            ),
          )
        ),
      );

      // Every operator races to decide every response.
      const replies = await Promise.all(
        operators.map((op, i) =>
          Promise.all(
            shuffled(ids).map((id) =>
              op.request(
                i % 3 === 0
                  ? { type: "REJECTED", response_id: id, reason: `no by op${i}` }
                  : { type: "APPROVED", response_id: id },
                30_000,
              ).then((f) => ({ op: i, id, f }))
            ),
          )
        ),
      );
      const winners = new Map<number, number>();
      for (const { op, id, f } of replies.flat()) {
        if (f.type === "ACK") {
          assert.equal(f.duplicate, false);
          assert.ok(!winners.has(id), `response ${id} won twice`);
          winners.set(id, op);
        } else {
          assert.equal(f.code, "not_pending", JSON.stringify(f));
          assert.ok(f.decided_by?.startsWith("op"));
        }
      }
      assert.equal(winners.size, RESPONSES, "every response decided exactly once");
      for (const id of ids) {
        const row = await db.getResponse(id);
        assert.equal(row?.decided_by, `op${winners.get(id)}`);
      }
      const log = await db.events();
      assertContiguous(log.map((e) => e.seq), RESPONSES * 2, "log");
      const decisions = log.filter((e) => e.kind !== "pending");
      assert.equal(new Set(decisions.map((e) => e.response_id)).size, RESPONSES);
      assert.equal(decisions.length, RESPONSES);

      // Every reader on either process got every event, in order, once.
      for (const [i, c] of [...operators, ...modules].entries()) {
        await c.events(RESPONSES * 2, 10_000);
        const seqs = c.history.filter((f: Frame) => f.type === "EVENT").map((f: Frame) => f.seq);
        assertContiguous(seqs, RESPONSES * 2, `client ${i}`);
      }
    } finally {
      for (const c of clients) await c.close().catch(() => {});
      for (const s of servers) await s.kill();
      await db.close();
      await backend.dispose();
    }
  });
}
