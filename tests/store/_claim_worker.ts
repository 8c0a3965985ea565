/**
 * A claimer process for the multi-process claim race: waits for a shared
 * start time, then claims every shared response (in its own shuffled
 * order) through its own store, and prints what it won and who refused it,
 * as one JSON line.
 *
 * Usage: deno run --allow-net=127.0.0.1 --allow-env --allow-read --allow-write \
 *   _claim_worker.ts '<json {target, worker, shared, startAt, leaseMs}>'
 * @module
 */
import { asResponseId } from "../../src/protocol/types.ts";
import { openStore, type StoreTarget } from "./_fixtures.ts";

const { target, worker, shared, startAt, leaseMs } = JSON.parse(Deno.args[0]!) as {
  target: StoreTarget;
  worker: number;
  shared: number[];
  startAt: number;
  leaseMs: number;
};

const store = openStore(target);
await store.init();
const by = `worker${worker}`;
const order = [...shared].sort(() => Math.random() - 0.5);
await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
const now = Date.now();
const results = await Promise.all(order.map((id) =>
  store.claim({
    responseId: asResponseId(id),
    by,
    at: new Date(now),
    until: new Date(now + leaseMs),
  }).then((r) => ({ id, r }))
));
const won: number[] = [];
const refused: Array<{ id: number; holder: string }> = [];
for (const { id, r } of results) {
  if (r.kind === "appended") won.push(id);
  else if (r.kind === "claimed") refused.push({ id, holder: r.holder });
  else throw new Error(`unexpected ${JSON.stringify(r)} for ${id}`);
}
await store.close();
console.log(JSON.stringify({ by, won, refused }));
