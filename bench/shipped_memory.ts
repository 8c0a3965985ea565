/**
 * Memory per connection as shipped: the server started the way people start
 * it, `deno task start` (the task's own flags and environment, including the
 * `MALLOC_ARENA_MAX=2` it carries; no `--expose-gc`, no preload), against the
 * bare Deno echo peer run plainly (`deno run bench/peers/deno_bare.ts`, glibc's
 * defaults), each holding N idle, heartbeating connections from the Node load
 * generator (bench/loadgen). Both start from a clean environment, so nothing
 * in the caller's (e.g. a `MALLOC_ARENA_MAX` of its own) leaks in.
 *
 * No full GC can be forced in the shipped command, so neither server gets one:
 * RSS is read after the connections settle, three times, and the median taken.
 * KiB per connection = (RSS with clients − RSS before any) / N. Rounds
 * alternate bare, ours, so a drift in the machine's load hits both. A third
 * target, the task's own `deno run` command without its `NAME=value` prefix,
 * is the control: it shows what the setting the task carries is worth.
 *
 * Usage: `deno run --allow-all bench/shipped_memory.ts [N=4000] [rounds=3]`;
 * prints one line per round and, last, the medians and their ratio (target ≤ 1.25).
 * @module
 */
import { tokens } from "./lib/hub.ts";
import { installPeer } from "./lib/install.ts";
import { LoadGen } from "./lib/loadgen.ts";
import { freePort, sleep } from "./lib/session.ts";
import { TEST_SECRET } from "../tests/_support/server.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const SETTLE_MS = 5000;

const TARGETS = [
  "bare-deno",
  "ours (deno task start)",
  "ours without the task's environment (deno run)",
] as const;

/** One measured start of a server. */
interface MemoryRound {
  readonly target: typeof TARGETS[number];
  readonly baseKiB: number;
  readonly loadedKiB: number;
  readonly perConnKiB: number;
}

function rssKiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
}

/** `deno task start`'s command with its `NAME=value` prefix and `deno` removed. */
function startTaskArgs(): string[] {
  const config = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`));
  const words = String(config.tasks.start).split(/\s+/).filter((w) => !/^[A-Z_]+=/.test(w));
  if (words[0] !== "deno") throw new Error(`unexpected start task: ${config.tasks.start}`);
  return words.slice(1);
}

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function settledRss(pid: number): Promise<number> {
  const out: number[] = [];
  for (let i = 0; i < 3; i++) {
    await sleep(SETTLE_MS / 3);
    out.push(rssKiB(pid));
  }
  return median(out);
}

/** The descendant of `ancestor` whose command line names `script`. */
function descendantRunning(ancestor: number, script: string): number | null {
  const parent = (pid: number) => {
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
      return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    } catch {
      return 0;
    }
  };
  for (const e of Deno.readDirSync("/proc")) {
    const pid = Number(e.name);
    if (!Number.isInteger(pid) || pid === ancestor) continue;
    let cmd = "";
    try {
      cmd = Deno.readTextFileSync(`/proc/${pid}/cmdline`);
    } catch {
      continue;
    }
    if (!cmd.split("\0").some((a) => a.endsWith(script))) continue;
    for (let p = pid; p > 1; p = parent(p)) if (p === ancestor) return pid;
  }
  return null;
}

async function waitOk(url: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.ok) return;
    } catch { /* not yet */ }
    await sleep(50);
  }
  throw new Error(`${url} never answered 200`);
}

async function measure(
  lg: LoadGen,
  which: MemoryRound["target"],
  n: number,
  toks: string[],
): Promise<MemoryRound> {
  const port = freePort();
  const base = { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: Deno.env.get("HOME") ?? "/" };
  const ours = which !== "bare-deno";
  const task = which === "ours (deno task start)";
  const sqlite = `data/shipped-memory-${crypto.randomUUID().slice(0, 8)}.sqlite`;
  const child = new Deno.Command(Deno.execPath(), {
    args: task
      ? ["task", "start"]
      : ours
      ? startTaskArgs()
      : ["run", "--allow-net", "--allow-env", `${ROOT}bench/peers/deno_bare.ts`],
    cwd: ROOT,
    clearEnv: true,
    env: ours
      ? {
        ...base,
        NO_COLOR: "1",
        AUTH_SECRET: TEST_SECRET,
        WEBSOCKET_HOST: "127.0.0.1",
        WEBSOCKET_PORT: String(port),
        SQLITE_PATH: sqlite,
        LOG_LEVEL: "warn",
        // No traffic leaves the machine: the post fetchers point at a closed local port.
        VK_API_BASE: "http://127.0.0.1:9",
        TELEGRAM_BASE: "http://127.0.0.1:9",
      }
      : { ...base, PORT: String(port) },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await waitOk(`http://127.0.0.1:${port}${ours ? "/readyz" : "/"}`);
    const pid = task ? descendantRunning(child.pid, "main.ts") : child.pid;
    if (pid === null) throw new Error("no main.ts process under deno task start");
    const baseKiB = await settledRss(pid);
    const r = await lg.openIdle({
      url: `ws://127.0.0.1:${port}`,
      dialect: ours ? "hub" : "raw",
      total: n,
      tokens: ours ? toks : undefined,
    });
    if (r.ok !== n) {
      throw new Error(`${which}: opened ${r.ok} of ${n}: ${JSON.stringify(r.errors)}`);
    }
    const loadedKiB = await settledRss(pid);
    await lg.closeAll();
    return { target: which, baseKiB, loadedKiB, perConnKiB: (loadedKiB - baseKiB) / n };
  } finally {
    // SIGTERM to the whole task (as systemd would), then wait.
    const server = task ? descendantRunning(child.pid, "main.ts") : null;
    for (const pid of [server, child.pid]) {
      try {
        if (pid) Deno.kill(pid, "SIGTERM");
      } catch { /* gone */ }
    }
    await child.status;
    for (const s of ["", "-wal", "-shm"]) await Deno.remove(`${ROOT}${sqlite}${s}`).catch(() => {});
  }
}

if (import.meta.main) {
  const n = Number(Deno.args[0] ?? 4000);
  const rounds = Number(Deno.args[1] ?? 3);
  const lg = LoadGen.start({ workers: 1, nodeDir: await installPeer("node"), cpus: null });
  const toks = await tokens("operator", 64);
  const all: MemoryRound[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      for (const which of TARGETS) {
        const r = await measure(lg, which, n, toks);
        all.push(r);
        console.log(
          `round ${i + 1} ${r.target}: ${r.baseKiB} → ${r.loadedKiB} KiB RSS, ${
            r.perConnKiB.toFixed(1)
          } KiB/connection`,
        );
      }
    }
  } finally {
    await lg.close();
  }
  const bare = median(all.filter((r) => r.target === "bare-deno").map((r) => r.perConnKiB));
  const of = (t: MemoryRound["target"]) =>
    median(all.filter((r) => r.target === t).map((r) => r.perConnKiB));
  const ours = of(TARGETS[1]);
  const control = of(TARGETS[2]);
  console.log(
    `control, ${TARGETS[2]}: ${control.toFixed(1)} KiB = ${(control / bare).toFixed(2)}× bare Deno`,
  );
  console.log(
    `${n} idle connections, median of ${rounds}: ours (deno task start) ${
      ours.toFixed(1)
    } KiB vs bare Deno ${bare.toFixed(1)} KiB per connection = ${
      (ours / bare).toFixed(2)
    }× (target ≤ 1.25×)`,
  );
}
