/**
 * Repro (not a test): a transaction that holds the log's `ws_meta` row lock
 * for 3 s — what a server process stopped (SIGSTOP) inside an append does
 * to its peers — while SRs arrive at one process every 60 ms. Prints each
 * SR's window and answer and `/readyz` along the way. Seen on 2026-12-01 at
 * 2102ca7: the SRs queue (fine), then once the pool is full of lock waiters
 * the readiness probe (1 s, through the same pool) fails, `/readyz` says 503
 * and new SRs are answered `unavailable` at once, though the database
 * answers (the fault suite's `paused_peer`). At 87ea4ca (DB_TIMEOUT_MS on
 * every query, readiness reworked) every SR is served and `/readyz` stays
 * 200 (one `/readyz` waits for the lock's release).
 *
 * Run: `deno run -A tests/fault/repro/lock_wait.ts`
 * @module
 */
import { mintToken } from "../../_support/server.ts";
import { Cluster } from "../cluster.ts";

const HOLD_MS = 3000;
const t0 = performance.now();
const now = () => Math.round(performance.now() - t0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cluster = await Cluster.start(1, now);
try {
  const pool = cluster.pool();
  const token = await mintToken("m", "module");
  const sr = async (id: number) => {
    const start = now();
    const res = await fetch(`${cluster.url(0)}/api/sr`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify({ response_id: id }),
    });
    const body = await res.json();
    return `${start}–${now()} ms: ${res.status} ${body.code ?? `seq ${body.seq}`}`;
  };
  const insert = async () => {
    const [res] = await pool.execute(
      "INSERT INTO responses (platform, post_url, post_text, author, response_text, status, created_at) " +
        "VALUES ('vk', 'https://vk.com/wall-1_1', 'p', 'a', 't', 'pending', UTC_TIMESTAMP(3))",
    );
    return Number((res as { insertId: number }).insertId);
  };
  console.log("warm-up", await sr(await insert()));
  const ids: number[] = [];
  for (let i = 0; i < 40; i++) ids.push(await insert());
  const holder = await pool.getConnection();
  await holder.query("START TRANSACTION");
  await holder.query("SELECT head FROM ws_meta WHERE id = 1 FOR UPDATE");
  console.log(`lock taken at ${now()} ms`);
  const answers = ids.map((id, i) => sleep(i * 60).then(() => sr(id)));
  const probes = (async () => {
    const seen: string[] = [];
    for (let i = 0; i < 12; i++) {
      const start = now();
      const res = await fetch(`${cluster.url(0)}/readyz`);
      await res.body?.cancel();
      seen.push(`${start}:${res.status}`);
      await sleep(400);
    }
    return seen;
  })();
  await sleep(HOLD_MS);
  await holder.query("COMMIT");
  holder.release();
  console.log(`lock released at ${now()} ms`);
  for (const a of await Promise.all(answers)) console.log(a);
  console.log("/readyz", (await probes).join(" "));
  await pool.end();
} finally {
  await cluster.dispose();
}
