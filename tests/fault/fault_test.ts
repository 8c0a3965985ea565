/**
 * The fault suite: three server processes on a private MariaDB and Redis,
 * modules and operators working through random processes, and on a seeded
 * schedule a process killed (SIGKILL) and restarted, a process paused
 * (SIGSTOP/SIGCONT), Redis killed and restarted, MariaDB killed and
 * restarted on its data directory, and a process stopped with SIGTERM and
 * restarted. The checker (checker.ts) then judges the whole history against
 * the log: nothing acknowledged lost, nothing twice, every client
 * contiguous, no command refused while the database answered.
 *
 * `FAULT_SEED=<n>` replays a run's choices (the seed is printed).
 * `FAULT_EXCUSE` (comma list, default empty = strict, as the contract says)
 * names refusals to excuse, each a defect this suite found at 2102ca7 and
 * main has fixed since (87ea4ca passes strict); kept to get past a
 * regression while reporting it:
 * `broker` — `unavailable` while only Redis is down (issue 7 row 8);
 * `paused_peer` — `unavailable` from a process while another one is stopped
 * (SIGSTOP) inside an append: it holds the log's row lock, the others' pool
 * fills with waiters and their readiness probe times out
 * (repro/lock_wait.ts);
 * `term_reset` — a client of a process stopped with SIGTERM sees its
 * connection reset (code 0 from Deno's client) instead of 1012: most likely
 * the server dropped a connection that still sent after the close frame
 * (repro/term_reset.ts).
 */
import assert from "node:assert/strict";
import { HAVE_MARIADB_BINARIES, HAVE_REDIS_BINARY } from "../_support/private_services.ts";
import { check, DEFAULT_CHECK_OPTIONS } from "./checker.ts";
import { Cluster } from "./cluster.ts";
import { deliveryLag } from "./lag.ts";
import type { FaultKind, History } from "./history.ts";
import { Prng } from "./prng.ts";
import { Workload } from "./workload.ts";

const HAVE_BINARIES = HAVE_MARIADB_BINARIES && HAVE_REDIS_BINARY;
if (!HAVE_BINARIES) {
  console.warn("mariadbd or redis-server is not installed: the fault suite is IGNORED");
}

const SEED = Number(Deno.env.get("FAULT_SEED") ?? Math.floor(Math.random() * 2 ** 31));
const EXCUSE = new Set((Deno.env.get("FAULT_EXCUSE") ?? "").split(",").filter(Boolean));
for (const e of EXCUSE) {
  if (!["broker", "paused_peer", "term_reset"].includes(e)) {
    throw new Error(`FAULT_EXCUSE: unknown ${e}`);
  }
}
const OPTIONS = {
  ...DEFAULT_CHECK_OPTIONS,
  allowUnavailableWhileBrokerDown: EXCUSE.has("broker"),
  allowUnavailableWhilePeerPaused: EXCUSE.has("paused_peer"),
  allowResetOnTerm: EXCUSE.has("term_reset"),
};
const PROCESSES = 3;
const FAULTS: readonly FaultKind[] = ["kill", "pause", "broker_kill", "db_kill", "term"];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The process with the most welcomed connections open now (so a SIGTERM has clients to close). */
function busiest(workload: Workload, rng: Prng): number {
  const open = Array.from({ length: PROCESSES }, () => 0);
  for (const c of workload.connections) if (c.welcome && c.closedAt === null) open[c.process]!++;
  const most = Math.max(...open);
  return rng.pick(open.flatMap((n, i) => n === most ? [i] : []));
}

/** Injects one fault of a kind, with the seeded target and durations. */
async function inject(
  cluster: Cluster,
  workload: Workload,
  kind: FaultKind,
  rng: Prng,
): Promise<string> {
  const p = kind === "term" ? busiest(workload, rng) : rng.int(0, PROCESSES - 1);
  switch (kind) {
    case "kill":
      await cluster.kill(p, rng.int(300, 1200));
      return `SIGKILL p${p}`;
    case "pause":
      await cluster.pause(p, rng.int(1500, 3500));
      return `SIGSTOP p${p}`;
    case "term": {
      const { code, exitMs } = await cluster.term(p, rng.int(200, 800));
      assert.equal(code, 0, `p${p} exits 0 on SIGTERM`);
      return `SIGTERM p${p} (exited in ${exitMs} ms)`;
    }
    case "broker_kill":
      await cluster.killBroker(rng.int(1500, 3000));
      return "SIGKILL redis";
    case "db_kill":
      await cluster.killDatabase(rng.int(300, 1500));
      return "SIGKILL mariadb";
    default: {
      const unknown: never = kind;
      throw new Error(`unknown fault ${unknown}`);
    }
  }
}

Deno.test({
  name: `fault suite: kills, pauses and restarts lose nothing, repeat nothing (seed ${SEED})`,
  ignore: !HAVE_BINARIES,
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  console.log(`fault suite: excusing ${EXCUSE.size ? [...EXCUSE].join(", ") : "nothing (strict)"}`);
  console.log(
    `fault suite: seed ${SEED} (replay with FAULT_SEED=${SEED}); t=0 at ${
      new Date().toISOString()
    }`,
  );
  const rng = new Prng(SEED);
  const t0 = performance.now();
  const now = () => Math.round(performance.now() - t0);
  const cluster = await Cluster.start(PROCESSES, now);
  let workload: Workload | null = null;
  try {
    console.log(`fault suite: cluster up at ${now()} ms`);
    workload = await Workload.start(cluster, rng.fork(), now, { modules: 2, operators: 6 });
    await sleep(2000);
    const injected: string[] = [];
    for (const kind of rng.shuffle(FAULTS)) {
      const what = await inject(cluster, workload, kind, rng);
      injected.push(`${what} @${cluster.faults.at(-1)?.start}–${cluster.faults.at(-1)?.end} ms`);
      await sleep(rng.int(1500, 2500));
    }
    await workload.quiesce();
    const head = await cluster.head();
    const behind = await workload.caughtUp(head, 10_000);
    const { log, epoch, responses } = await cluster.readLog();
    await workload.close();
    const history: History = {
      ops: workload.ops,
      connections: workload.connections,
      faults: cluster.faults,
      log,
      responses,
      epoch,
      followers: workload.followers,
    };
    const { anomalies, summary } = check(history, OPTIONS);
    console.log(`fault suite: faults ${injected.join("; ")}`);
    console.log(`fault suite: ${JSON.stringify(summary)} in ${now()} ms`);
    console.log(`fault suite: live delivery lag (ms) ${JSON.stringify(deliveryLag(history))}`);
    if (behind.length) console.log(`fault suite: not caught up to ${head}: ${behind.join(", ")}`);
    for (const a of anomalies.slice(0, 40)) console.log(`ANOMALY ${a.kind}: ${a.message}`);
    if (anomalies.length > 0) {
      const file = await Deno.makeTempFile({ prefix: `fault_${SEED}_`, suffix: ".log" });
      await Deno.writeTextFile(file, cluster.output());
      const json = file.replace(/\.log$/, ".json");
      await Deno.writeTextFile(json, JSON.stringify(history));
      console.log(`fault suite: the processes' output is in ${file}, the history in ${json}`);
      console.log(cluster.output().slice(-3000));
    }
    assert.equal(anomalies.length, 0, `${anomalies.length} anomalies (seed ${SEED})`);
    // The run exercised what it claims to (so it cannot pass by doing nothing).
    assert.equal(cluster.faults.length, FAULTS.length);
    assert.ok(summary.acked > 100, `only ${summary.acked} commands acknowledged`);
    assert.ok(summary.reconnects > 10, `only ${summary.reconnects} reconnects`);
    assert.ok(summary.resumed > 0, "some connection resumed");
    assert.ok(log.some((e) => e.kind !== "pending"), "some response was decided");
    assert.ok(Object.keys(summary.termCloses).length > 0, "the SIGTERM closed some client");
  } finally {
    await workload?.close();
    await cluster.dispose();
  }
});
