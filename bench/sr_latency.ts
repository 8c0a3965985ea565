/**
 * SR → EVENT latency and the append rate through the whole server, on SQLite
 * and on MariaDB: a module announces responses, operators receive the
 * `pending` events; then operators decide them. One clock (this process).
 *
 * Usage: deno run --allow-net --allow-env --allow-read --allow-write --allow-run --allow-sys \
 *   bench/sr_latency.ts [--count=500] [--operators=10] [--concurrency=8]
 * @module
 */
import { mintToken, startServer } from "../tests/_support/server.ts";
import { TestClient } from "../tests/_support/ws_client.ts";
import { MARIADB, SQLITE } from "../tests/integration/backends.ts";
import type { BackendKind } from "../tests/integration/backends.ts";

const arg = (name: string, def: number) =>
  Number(Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? def);
const COUNT = arg("count", 500);
const OPERATORS = arg("operators", 10);
const CONCURRENCY = arg("concurrency", 8);

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function measure(kind: BackendKind) {
  const backend = await kind.create();
  const server = await startServer({
    ...backend.env,
    LOG_LEVEL: "error",
    RATE_LIMIT_PER_SEC: "1000000",
    RATE_LIMIT_BURST: "1000000",
  });
  const db = await backend.open();
  try {
    const ops: TestClient[] = [];
    for (let i = 0; i < OPERATORS; i++) {
      const c = await TestClient.open(server.wsUrl);
      await c.hello(await mintToken(`op${i}`, "operator"));
      ops.push(c);
    }
    const mod = await TestClient.open(server.wsUrl);
    await mod.hello(await mintToken("writer", "module"));
    const ids: number[] = [];
    for (let i = 0; i < COUNT; i++) ids.push(await db.insertResponse({ response_text: `r${i}` }));

    // Latency: one SR at a time, until the last operator has the event.
    const sent = new Map<number, number>();
    const lastArrival = new Map<number, number>();
    let arrivals = 0;
    for (const op of ops) {
      op.socket.addEventListener("message", (ev) => {
        const f = JSON.parse(ev.data as string);
        if (f.type === "EVENT" && f.event === "pending") {
          lastArrival.set(f.response_id, performance.now());
          arrivals++;
        }
      });
    }
    const half = ids.slice(0, COUNT / 2);
    for (const id of half) {
      sent.set(id, performance.now());
      await mod.request({ type: "SR", response_id: id });
      while (arrivals < sent.size * OPERATORS) await new Promise((r) => setTimeout(r, 0));
    }
    const lat = half.map((id) => lastArrival.get(id)! - sent.get(id)!).sort((a, b) => a - b);

    // Append rate: SRs with several in flight, then decisions.
    const rest = ids.slice(COUNT / 2);
    let t0 = performance.now();
    for (let i = 0; i < rest.length; i += CONCURRENCY) {
      await Promise.all(
        rest.slice(i, i + CONCURRENCY).map((id) =>
          mod.request({ type: "SR", response_id: id }, 30_000)
        ),
      );
    }
    const srRate = rest.length / ((performance.now() - t0) / 1000);
    t0 = performance.now();
    for (let i = 0; i < ids.length; i += CONCURRENCY) {
      await Promise.all(
        ids.slice(i, i + CONCURRENCY).map((id, k) =>
          ops[k % ops.length]!.request({ type: "APPROVED", response_id: id }, 30_000)
        ),
      );
    }
    const decideRate = ids.length / ((performance.now() - t0) / 1000);
    for (const c of [...ops, mod]) await c.close();
    return {
      kind: kind.name,
      p50: pct(lat, 50),
      p99: pct(lat, 99),
      max: lat.at(-1)!,
      srRate,
      decideRate,
    };
  } finally {
    await server.kill();
    await db.close();
    await backend.dispose();
  }
}

const rows = [];
for (const kind of [SQLITE, MARIADB]) if (kind.available) rows.push(await measure(kind));
console.log(
  `SR → EVENT at ${OPERATORS} operators (${
    COUNT / 2
  } sequential SRs); append rates with ${CONCURRENCY} in flight\n`,
);
console.log("| database | SR→EVENT p50 ms | p99 ms | max ms | SR/s | APPROVED/s |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const r of rows) {
  console.log(
    `| ${r.kind} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(2)} | ${
      r.srRate.toFixed(0)
    } | ${r.decideRate.toFixed(0)} |`,
  );
}
