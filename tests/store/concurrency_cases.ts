/**
 * The concurrency cases of the conformance suite: operators racing in one
 * process, and writer processes appending to one database while a reader
 * tails the log.
 * @module
 */
import assert from "node:assert/strict";
import { asSeq, type ResponseId } from "../../src/protocol/types.ts";
import type { Store, StoredEvent } from "../../src/store/store.ts";
import type { StoreHarness } from "./_fixtures.ts";
import { assertContiguous, insertRow, readAll, storeTest } from "./_helpers.ts";

const WORKER = new URL("./_append_worker.ts", import.meta.url);
const REPO_ROOT = new URL("../../", import.meta.url);

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T]; // j ≤ i < out.length
  }
  return out;
}

/**
 * Registers the concurrency cases for one implementation.
 * @param h makes fresh databases and stores of the implementation
 */
export function registerConcurrencyCases(h: StoreHarness): void {
  storeTest(
    h,
    "10 operators race on 200 responses: one decision and one event each",
    async ({ fx, store }) => {
      const ids: ResponseId[] = [];
      for (let i = 0; i < 200; i++) ids.push(await insertRow(fx));
      const second = fx.open(); // a second node on the same database
      await second.init();
      const nodes: Store[] = [store, second];
      const wins = new Map<number, string>();
      const operators = Array.from({ length: 10 }, async (_, op) => {
        const by = `op${op}`;
        const node = nodes[op % 2];
        assert.ok(node, "two nodes");
        for (const id of shuffled(ids)) {
          const decision = op % 3 === 0 ? "rejected" : "approved";
          const r = await node.decide({ responseId: id, decision, by, at: new Date() });
          if (r.kind === "appended") {
            assert.equal(wins.has(id), false, `response ${id} decided twice`);
            wins.set(id, by);
          } else {
            assert.equal(r.kind, "not_pending", JSON.stringify(r));
            if (r.kind === "not_pending") assert.notEqual(r.decidedBy, by);
          }
        }
      });
      // Let every operator finish before judging, so none outlives the test's database.
      for (const r of await Promise.allSettled(operators)) {
        if (r.status === "rejected") throw r.reason;
      }
      assert.equal(wins.size, ids.length);
      const log = await readAll(store);
      assert.equal(log.length, ids.length);
      assertContiguous(log);
      assert.equal(await store.head(), ids.length);
      assert.deepEqual(new Set(log.map((e) => e.responseId)), new Set(ids));
      for (const e of log) {
        const frame = JSON.parse(e.frame);
        assert.equal(frame.by, wins.get(e.responseId));
        const row = await store.getResponse(e.responseId);
        assert.equal(row?.decided_by, frame.by);
        assert.equal(row?.status, e.kind);
      }
    },
  );

  storeTest(
    h,
    "writer processes append to one database: the log is exactly their commits, in order",
    async ({ fx, store }) => {
      const shared: number[] = [];
      for (let i = 0; i < 30; i++) shared.push(await insertRow(fx));
      const workers = [1, 2, 3].map((worker) =>
        new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            // What the worker needs, no more: MariaDB or the SQLite file, and the test env.
            "--allow-net=127.0.0.1",
            "--allow-env",
            "--allow-read",
            "--allow-write",
            WORKER.pathname,
            JSON.stringify({ target: fx.target, durationMs: 3000, worker, shared }),
          ],
          cwd: REPO_ROOT.pathname,
          stdout: "piped",
          stderr: "piped",
        }).output()
      );
      let running = true;
      const finished = Promise.all(workers).finally(() => (running = false));
      // Tail the log while the workers write: every read continues exactly where the last ended.
      const seen: StoredEvent[] = [];
      let maxPage = 0;
      while (running) {
        const after = seen.at(-1)?.seq ?? asSeq(0);
        const page = await store.readSince(after, 50);
        maxPage = Math.max(maxPage, page.length);
        for (const e of page) {
          assert.equal(e.seq, after + 1 + page.indexOf(e), "tail saw a gap or a reordering");
          assert.equal(JSON.parse(e.frame).seq, e.seq);
        }
        seen.push(...page);
        await new Promise((r) => setTimeout(r, 2));
      }
      const outputs = await finished;
      const acked: number[] = [];
      for (const out of outputs) {
        const stderr = new TextDecoder().decode(out.stderr);
        assert.equal(out.code, 0, `worker failed: ${stderr}`);
        acked.push(...JSON.parse(new TextDecoder().decode(out.stdout).trim()).acked);
      }
      const log = await readAll(store);
      assertContiguous(log);
      assert.deepEqual(seen.map((e) => e.frame), log.slice(0, seen.length).map((e) => e.frame));
      assert.deepEqual([...acked].sort((a, b) => a - b), log.map((e) => e.seq));
      assert.equal(await store.head(), log.length);
      assert.ok(log.length > 60, `too few appends to mean anything: ${log.length}`);
      assert.ok(seen.length > 0 && maxPage > 0, "the tail never read while workers wrote");
      // Each shared row was decided exactly once across the processes.
      const sharedSet = new Set(shared);
      const decidedShared = log.filter((e) => sharedSet.has(e.responseId));
      assert.equal(decidedShared.length, new Set(decidedShared.map((e) => e.responseId)).size);
    },
  );
}
