/**
 * Profiles one server under one scenario's load through the V8 inspector
 * (Deno 2.9 has no `--cpu-prof`): starts it with `--inspect`, opens N idle
 * clients with heartbeats, records a CPU profile while the load runs, writes
 * the `.cpuprofile` (Chrome DevTools format) and prints the functions with the
 * most self time.
 *
 * `mem` prints the JS heap per connection after a GC instead; `storm` profiles
 * the restarted server while N resuming clients come back at once (MariaDB);
 * `connect` profiles the opening of the N idle clients (until all welcomed).
 * `fanout` sends `PROFILE_EVENTS` events (default 5), one at a time.
 *
 * `deno run -A bench/profile.ts <target> <hb|fanout|mem|storm|connect> [N]`, e.g.
 * `deno run -A bench/profile.ts ours hb 9000`.
 *
 * `PROFILE_PERF=1` samples with Linux `perf` (`cpu-clock`, call graphs)
 * instead of the inspector, which costs every frame a protocol event: the
 * server runs with `--perf-basic-prof` so JIT code has names, and the whole
 * process is seen, V8, Deno's ops, tokio and the kernel alike, as bare Deno's
 * is. It records the whole machine (report with `--pid`, printed at the
 * end), writes `profiles/<name>-<mode>-<N>.perf.data` and prints
 * `perf report`'s self time by shared object and by symbol.
 * `PROFILE_PERF=strace` counts the server's system calls (`strace -c -f`)
 * over the same load instead (strace slows every call: counts, not times).
 * @module
 */
import { readConfig } from "./lib/config.ts";
import { installPeer } from "./lib/install.ts";
import { LoadGen } from "./lib/loadgen.ts";
import { type ServerProc, targets } from "./lib/servers.ts";
import { type Ctx, freePort, idleTokens, openSpecial, sleep, startSession } from "./lib/session.ts";
import { mysqlUp } from "./lib/hub.ts";
import { sample } from "./lib/proc.ts";

interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

/** A minimal Chrome DevTools Protocol session over the inspector's WebSocket. */
async function inspector(port: number) {
  const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const ws = new WebSocket(list[0].webSocketDebuggerUrl);
  await new Promise((r) => ws.onopen = r);
  let next = 1;
  const pending = new Map<number, (v: unknown) => void>();
  ws.onmessage = (e) => {
    const msg = JSON.parse(e.data);
    if (msg.id) pending.get(msg.id)?.(msg.result);
  };
  return {
    call: <T>(method: string, params: Record<string, unknown> = {}) =>
      new Promise<T>((resolve) => {
        const id = next++;
        pending.set(id, (v) => resolve(v as T));
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}

/**
 * Self time per function and per file.
 * @param p the profile
 * @param top how many lines
 * @returns the report's lines
 */
export function summarize(p: CpuProfile, top = 30): string[] {
  const self = new Map<number, number>();
  p.samples.forEach((node, i) => self.set(node, (self.get(node) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (const n of p.nodes) {
    const t = (self.get(n.id) ?? 0) / 1000;
    total += t;
    const file = n.callFrame.url.replace(/^.*\/(src|bench|node_modules|ext)\//, "$1/") ||
      "(native)";
    const fn = `${n.callFrame.functionName || "(anonymous)"} ${file}:${n.callFrame.lineNumber + 1}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + t);
    byFile.set(file, (byFile.get(file) ?? 0) + t);
  }
  const fmt = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) =>
      `${v.toFixed(1).padStart(9)} ms ${(100 * v / total).toFixed(1).padStart(5)} %  ${k}`
    );
  return [
    `total sampled ${total.toFixed(0)} ms`,
    "by function (self):",
    ...fmt(byFn),
    "by file (self):",
    ...fmt(byFile).slice(0, 15),
  ];
}

if (import.meta.main) {
  const [name = "ours", mode = "hb", nArg = "9000"] = Deno.args;
  const n = Number(nArg);
  const port = freePort();
  const perf = Deno.env.get("PROFILE_PERF") === "1";
  const strace = Deno.env.get("PROFILE_PERF") === "strace";
  if (perf) {
    const v8 = Deno.env.get("BENCH_V8_FLAGS");
    Deno.env.set("BENCH_V8_FLAGS", [v8, "--perf-basic-prof"].filter(Boolean).join(","));
  } else Deno.env.set("BENCH_DENO_FLAGS", `--inspect=127.0.0.1:${port}`);
  const cfg = readConfig();
  const nodeDir = await installPeer("node");
  const target = (await targets(nodeDir, null)).find((t) => t.name === name)!;
  const lg = LoadGen.start({ workers: cfg.workers, nodeDir, cpus: null });
  const ctx: Ctx = { cfg, lg, target, mysql: await mysqlUp(), log: console.error };
  const session = await startSession(ctx, mode === "storm" && ctx.mysql ? "mysql" : "sqlite");
  let restarted: ServerProc | null = null;
  const heapUsed = async () => {
    const cdp = await inspector(port);
    await cdp.call("HeapProfiler.collectGarbage");
    const heap = await cdp.call<{ usedSize: number; totalSize: number }>("Runtime.getHeapUsage");
    cdp.close();
    return heap;
  };
  try {
    const heap0 = mode === "mem" ? await heapUsed() : { usedSize: 0, totalSize: 0 };
    await openSpecial(ctx, session.server, "trigger");
    await openSpecial(ctx, session.server, "probe");
    const tokens = await idleTokens(ctx);
    const open = async () => {
      const r = await lg.openIdle({
        url: session.server.wsBase,
        dialect: target.dialect,
        total: n,
        tokens,
        reconnect: mode === "storm",
        concurrency: cfg.connectConcurrency,
      });
      console.error(`opened ${r.ok} in ${r.ms.toFixed(0)} ms`);
    };
    if (mode === "connect") await profileRun(open);
    else await open();
    await lg.all("heartbeat", { paused: false, intervalMs: cfg.hbMs });
    await sleep(3000);
    if (mode === "mem") {
      const heap = await heapUsed();
      const rss = (await sample(lg, session.server.pid)).rssKiB;
      const mib = (b: number) => (b / 1048576).toFixed(1);
      const per = (a: number, b: number) => ((a - b) / n / 1024).toFixed(2);
      console.log(
        `JS heap after GC, used: ${mib(heap0.usedSize)} → ${mib(heap.usedSize)} MiB ` +
          `(${per(heap.usedSize, heap0.usedSize)} KiB per connection); committed: ` +
          `${mib(heap0.totalSize)} → ${mib(heap.totalSize)} MiB ` +
          `(${per(heap.totalSize, heap0.totalSize)} KiB per connection); RSS ${
            (rss / 1024).toFixed(1)
          } MiB`,
      );
    } else if (mode === "storm") {
      // Events the clients will resume past, then a restart whose storm is profiled.
      for (const key of await session.rows!.insert(3)) {
        await lg.first.call("trigger", { key });
      }
      await sleep(1000);
      await lg.all("hold", { on: true });
      await session.server.stop("SIGTERM");
      restarted = await target.start({
        port: session.server.port,
        env: session.rows!.env,
        cpus: null,
        hbMs: cfg.hbMs,
      });
      await profileRun(open);
    } else if (mode !== "connect") await profileRun(open);
  } finally {
    await lg.all("hold", { on: false });
    await lg.closeAll();
    await restarted?.stop("SIGTERM");
    await session.close();
    await lg.close();
  }

  // deno-lint-ignore no-inner-declarations -- it closes over the session above
  async function profileRun(open: () => Promise<void>) {
    if (perf) return await perfRun(open);
    if (strace) return await straceRun(open);
    const cdp = await inspector(port);
    await cdp.call("Profiler.enable");
    await cdp.call("Profiler.setSamplingInterval", { interval: 200 });
    await cdp.call("Profiler.start");
    await load(open);
    const { profile } = await cdp.call<{ profile: CpuProfile }>("Profiler.stop");
    cdp.close();
    const out = `${cfg.outDir}/profiles`;
    await Deno.mkdir(out, { recursive: true });
    const file = `${out}/${name}-${mode}-${n}.cpuprofile`;
    await Deno.writeTextFile(file, JSON.stringify(profile));
    console.log(summarize(profile).join("\n"));
    console.error(`wrote ${file}`);
  }

  // deno-lint-ignore no-inner-declarations -- it closes over the session above
  async function load(open: () => Promise<void>) {
    if (mode === "connect") await open();
    else if (mode === "storm") {
      const t0 = Date.now();
      await lg.all("hold", { on: false });
      let ready = 0;
      while (ready < n && Date.now() - t0 < 60_000) {
        await sleep(200);
        ready = (await lg.status()).reduce((sum, w) => sum + w.ready, 0);
      }
      console.error(`${ready} of ${n} back in ${Date.now() - t0} ms`);
    } else if (mode === "hb") {
      const res = await lg.first.call<{ rtts: number[] }>("probe", {
        count: 1000,
        intervalMs: 10,
      });
      const sorted = res.rtts.sort((a, b) => a - b);
      console.error(
        `probe p50 ${sorted[sorted.length >> 1]} µs p99 ${
          sorted[Math.floor(sorted.length * 0.99)]
        } µs`,
      );
    } else {
      const count = Number(Deno.env.get("PROFILE_EVENTS") ?? 5);
      for (let i = 1; i <= count; i++) {
        await lg.all("heartbeat", { paused: true });
        // Each row just before its trigger, as S1 does: rows inserted ahead are
        // announced by the server's scanner (every 5 s), and their events then
        // came before the trigger, each round waiting out its 15 s.
        const key = session.rows ? (await session.rows.insert(1))[0]! : i;
        const { t0 } = await lg.first.call<{ t0: number }>("trigger", {
          key,
          bytes: cfg.payloadBytes,
        });
        await lg.all("collect", { t0: { [key]: t0 }, waitMs: 15_000 });
        await lg.all("heartbeat", { paused: false });
        await sleep(300);
      }
    }
  }

  /** Runs `load` while `command args` records; stops it with SIGINT and returns what it printed on stderr. */
  // deno-lint-ignore no-inner-declarations -- it closes over the session above
  async function recordAround(command: string, args: string[], open: () => Promise<void>) {
    const rec = new Deno.Command(command, { args, stdout: "null", stderr: "piped" }).spawn();
    await sleep(500);
    await load(open);
    rec.kill("SIGINT");
    return new TextDecoder().decode((await rec.output()).stderr).trim();
  }

  // deno-lint-ignore no-inner-declarations -- it closes over the session above
  async function straceRun(open: () => Promise<void>) {
    const pid = (restarted ?? session.server).pid;
    console.log(await recordAround("strace", ["-c", "-f", "-p", String(pid)], open));
  }

  // deno-lint-ignore no-inner-declarations -- it closes over the session above
  async function perfRun(open: () => Promise<void>) {
    const pid = (restarted ?? session.server).pid;
    const out = `${cfg.outDir}/profiles`;
    await Deno.mkdir(out, { recursive: true });
    const file = `${out}/${name}-${mode}-${n}.perf.data`;
    // System-wide, reported for the server's pid: `perf record -p` busy-loops
    // (171 % CPU) once one of the runtime's threads exits.
    const args = ["record", "-e", "cpu-clock", "-F", "1999", "-g", "-a", "-o", file];
    console.error(await recordAround("perf", args, open));
    for (const sort of ["dso", "dso,sym"]) {
      const report = await new Deno.Command("perf", {
        args: [
          ...["report", "-i", file, "--stdio", "--no-children", "--pid", String(pid)],
          "--percentage",
          "relative",
          ...["--sort", sort, "-g", "none"],
        ],
        stdout: "piped",
        stderr: "null",
      }).output();
      const lines = new TextDecoder().decode(report.stdout).split("\n")
        .filter((l) => l.trim() !== "" && !l.startsWith("#"));
      console.log(lines.slice(0, sort === "dso" ? 12 : 60).join("\n"));
    }
    console.error(`wrote ${file} (server pid ${pid})`);
  }
}
