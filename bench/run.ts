/**
 * `deno task bench`: installs the peers from npm into bench/.peers/, runs
 * every selected scenario against every selected server one after another
 * with one load generator, and writes bench/results/*.{json,md}.
 * Sizes and switches: see bench/lib/config.ts (`BENCH_QUICK=1` for a smoke run).
 * @module
 */
import { readConfig } from "./lib/config.ts";
import { installPeer } from "./lib/install.ts";
import { LoadGen } from "./lib/loadgen.ts";
import { loadavg, type Machine, machine } from "./lib/proc.ts";
import { markdown, type RunResults, type TargetResults, writeResults } from "./lib/report.ts";
import { targets } from "./lib/servers.ts";
import { mysqlUp } from "./lib/hub.ts";
import type { Ctx } from "./lib/session.ts";
import { runIdle } from "./scenarios/idle.ts";
import { runCapacity } from "./scenarios/capacity.ts";
import { runStorm } from "./scenarios/storm.ts";
import { runDecisions } from "./scenarios/decisions.ts";
import { runPublication } from "./scenarios/publication.ts";

const log = (msg: string) => console.error(msg);

/**
 * Runs the benchmark.
 * @returns the results (also written to `cfg.outDir`)
 */
export async function main(): Promise<RunResults> {
  const cfg = readConfig();
  const notes: string[] = [];
  log(`bench: ${cfg.quick ? "quick" : "full"} run, load average ${loadavg().join(" ")}`);
  const nodeDir = await installPeer("node");
  const lg = LoadGen.start({ workers: cfg.workers, nodeDir, cpus: cfg.cpusClients });
  const results: TargetResults[] = [];
  let started: Machine | null = null;
  try {
    started = await machine(lg);
    const wantBun = !cfg.targets || cfg.targets.includes("bun");
    let bunDir: string | null = null;
    if (wantBun) {
      try {
        bunDir = await installPeer("bun");
      } catch (e) {
        notes.push(`Bun not measured: ${(e as Error).message.split("\n").slice(0, 3).join(" ")}`);
      }
    }
    let list = await targets(nodeDir, bunDir).catch(async (e) => {
      notes.push(`Bun not measured: ${(e as Error).message}`);
      return await targets(nodeDir, null);
    });
    if (cfg.targets) list = list.filter((t) => cfg.targets!.includes(t.name));
    const mainTs = new URL("../main.ts", import.meta.url).pathname;
    if (list.some((t) => t.isHub) && !(await Deno.stat(mainTs).catch(() => null))) {
      notes.push("ours not measured: main.ts does not exist yet");
      list = list.filter((t) => !t.isHub);
    }
    const mysql = await mysqlUp();
    if (!mysql) notes.push("MariaDB does not answer on 127.0.0.1:3306: S5 skipped, S4 on SQLite");
    for (const target of list) {
      log(`${target.name} (${target.version})`);
      const r: TargetResults = {
        name: target.name,
        version: target.version,
        loadavgAtStart: loadavg(),
        errors: [],
      };
      results.push(r);
      const ctx: Ctx = { cfg, lg, target, mysql, log };
      const attempt = async (what: string, fn: () => Promise<void>) => {
        log(` ${what}`);
        try {
          await fn();
        } catch (e) {
          r.errors.push(`${what}: ${(e as Error).message.slice(0, 2000)}`);
          log(`  failed: ${(e as Error).message.slice(0, 2000)}`);
          await lg.closeAll().catch(() => {});
        }
      };
      if (["S1", "S2", "S6"].some((s) => cfg.scenarios.has(s as "S1"))) {
        await attempt("S1/S2/S6", async () => void (r.idle = await runIdle(ctx)));
      }
      if (cfg.scenarios.has("S3")) {
        await attempt("S3", async () => void (r.s3 = await runCapacity(ctx)));
      }
      if (cfg.scenarios.has("S4")) {
        await attempt("S4", async () => void (r.s4 = await runStorm(ctx)));
      }
      if (cfg.scenarios.has("S5") && target.isHub && mysql) {
        await attempt("S5", async () => void (r.s5 = await runDecisions(ctx)));
      }
    }
    // S7 (issue 14) measures our server only, against its own process per database.
    if (cfg.scenarios.has("S7") && list.some((t) => t.isHub)) {
      log("S7 publication queue");
      try {
        const s7 = await runPublication(cfg.publicationJobs, cfg.publicationLatency);
        notes.push(s7.markdown.join("\n"));
      } catch (e) {
        notes.push(`S7 failed: ${(e as Error).message.slice(0, 2000)}`);
      }
    }
  } finally {
    await lg.close();
  }
  notes.push(
    "Latency is measured by the clients on CLOCK_MONOTONIC (Node `process.hrtime`), shared by every load-generator process: from just before the trigger is written to the arrival of the event at each client.",
    "RSS is read from /proc/<pid>/status after a forced full GC (SIGUSR2: `gc()` via `--expose-gc` for Deno, through a `--preload` module, and Node; `Bun.gc(true)` for Bun).",
    "Server CPU per event sums /proc/<pid>/task/*/schedstat over the round (ns resolution), with client heartbeats paused during the round; for ours-2w over the whole process tree (the supervisor and its two workers), and server RSS is the tree's too.",
  );
  const out: RunResults = {
    date: new Date().toISOString(),
    command: `${
      [...Object.entries(Deno.env.toObject())].filter(([k]) => k.startsWith("BENCH_")).map((
        [k, v],
      ) => `${k}=${v} `).join("")
    }deno task bench`,
    quick: cfg.quick,
    machine: started!,
    loadavgEnd: loadavg(),
    settings: {
      ...cfg,
      scenarios: [...cfg.scenarios],
    },
    notes,
    targets: results,
  };
  const path = await writeResults(cfg.outDir, out);
  log(`wrote ${path}`);
  return out;
}

if (import.meta.main) {
  const r = await main();
  console.log(markdown(r));
}
