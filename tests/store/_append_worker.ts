/**
 * A writer process for the multi-process log test: inserts rows as another
 * module would, announces and decides them through its own store for
 * `durationMs`, also racing the other workers on shared rows, and prints the
 * seqs of the appends its store acknowledged, as one JSON line.
 *
 * Usage: deno run --allow-net=127.0.0.1 --allow-env --allow-read --allow-write \
 *   _append_worker.ts '<json {target, durationMs, worker, shared}>'
 * @module
 */
import { asResponseId } from "../../src/protocol/types.ts";
import { openStore, rawConnection, type StoreTarget } from "./_fixtures.ts";
import { build } from "./build.ts";

const { target, durationMs, worker, shared } = JSON.parse(Deno.args[0]!) as {
  target: StoreTarget;
  durationMs: number;
  worker: number;
  shared: number[];
};

// SQLite's busy handler is not fair: on a loaded machine one of several
// writer processes can wait past the default 5 s for the write lock. This
// test is about the log's order across processes, not that wait.
const store = openStore(target, undefined, { busyTimeoutMs: 30_000 });
await store.init();
const raw = await rawConnection(target);
const acked: number[] = [];
const by = `worker${worker}`;
const record = (r: Awaited<ReturnType<typeof store.decide>>) => {
  if (r.kind === "appended") acked.push(r.event.seq);
};

const end = Date.now() + durationMs;
let i = 0;
while (Date.now() < end) {
  const { insertId } = await raw.exec(
    "INSERT INTO responses (platform, post_url, response_text, status, created_at) VALUES (?, ?, ?, 'pending', ?)",
    ["vk", "https://vk.com/wall-1_1", `${by} #${i}`, "2026-01-01 00:00:00.000"],
  );
  const id = asResponseId(insertId);
  record(await store.announce(id, build));
  record(await store.decide({ responseId: id, decision: "approved", by, at: new Date() }));
  // Race the other workers on the shared rows: exactly one decision each.
  const contested = shared[i % shared.length];
  if (contested !== undefined) {
    record(
      await store.decide({
        responseId: asResponseId(contested),
        decision: "rejected",
        by,
        at: new Date(),
      }),
    );
  }
  i++;
}
await store.close();
await raw.close();
console.log(JSON.stringify({ worker, acked }));
