/**
 * The servers under test: the four peers and ours, each started as its own
 * process (so its pid gives its CPU time and RSS), on 127.0.0.1 only; and
 * ours with `WORKERS=2` (`ours-2w`): a supervisor and two workers on one port,
 * measured as the whole process tree; and ours with `TRANSPORT_IO=node`
 * (`ours-node`).
 * @module
 */
import { TEST_SECRET } from "../../tests/_support/server.ts";
import { bunBinary, installedVersion } from "./install.ts";

const BENCH = new URL("../", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;

/** The wire dialect the load generator speaks to a server. */
export type Dialect = "raw" | "sio" | "hub";

/** A running server process. */
export interface ServerProc {
  readonly pid: number;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly httpUrl: string;
  /** `ws://127.0.0.1:<port>`; the dialect adds the path. */
  readonly wsBase: string;
  /** Output so far (the last 20 000 characters). */
  output(): string;
  /** Asks for a full GC (SIGUSR2, handled by a preload or the peer). */
  gc(): void;
  /** Sends a signal and waits for the exit (SIGKILL after 10 s). */
  stop(signal?: Deno.Signal): Promise<void>;
  /** Resolves when the process exits. */
  readonly exited: Promise<Deno.CommandStatus>;
}

/** How to start a server. */
export interface StartOptions {
  readonly port: number;
  /** Extra environment (ours: SQLITE_PATH or MYSQL_*, limits). */
  readonly env?: Record<string, string>;
  /** `taskset -c` CPU list, or null. */
  readonly cpus: string | null;
  /** Heartbeat interval every client and server uses (ms). */
  readonly hbMs: number;
}

/** A server the harness can measure. */
export interface Target {
  readonly name: string;
  readonly dialect: Dialect;
  /** Runtime and library versions. */
  readonly version: string;
  /** Whether it speaks our protocol (resume, SR, decisions). */
  readonly isHub: boolean;
  /** Server processes (ours with `WORKERS=2`: 2, plus the supervisor, which serves nothing). */
  readonly workers?: number;
  start(opts: StartOptions): Promise<ServerProc>;
}

/**
 * Spawns a server and waits until `readyPath` answers 200.
 * @param cmd the argv
 * @param env its environment
 * @param opts port, cpus
 * @param readyPath the path that says it is ready
 * @returns the running process
 * @throws {Error} when it does not become ready within 60 s (with its output)
 */
export async function spawnServer(
  cmd: string[],
  env: Record<string, string>,
  opts: StartOptions,
  readyPath: string,
): Promise<ServerProc> {
  const [program, ...args] = opts.cpus ? ["taskset", "-c", opts.cpus, ...cmd] : cmd;
  if (program === undefined) throw new TypeError("spawnServer needs a command");
  const child = new Deno.Command(program, {
    args,
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  // BENCH_SERVER_LOG=dir: each server's whole output also goes to dir/<pid>.log
  // (e.g. with BENCH_V8_FLAGS=--trace-gc).
  const logDir = Deno.env.get("BENCH_SERVER_LOG");
  const logFile = logDir
    ? Deno.openSync(`${logDir}/${child.pid}.log`, { create: true, append: true })
    : null;
  const sink = new TextEncoder();
  const pump = (s: ReadableStream<Uint8Array<ArrayBuffer>>) =>
    s.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({
        write: (t) => {
          text = (text + t).slice(-20_000);
          logFile?.writeSync(sink.encode(t));
        },
      }),
    ).catch(() => {});
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const exited = child.status.then(async (s) => (await pumps, s));
  let gone = false;
  exited.then(() => gone = true);
  const httpUrl = `http://127.0.0.1:${opts.port}`;
  const proc: ServerProc = {
    pid: child.pid,
    port: opts.port,
    httpUrl,
    wsBase: `ws://127.0.0.1:${opts.port}`,
    output: () => text,
    gc: () => {
      try {
        child.kill("SIGUSR2");
      } catch { /* gone */ }
    },
    stop: async (signal: Deno.Signal = "SIGTERM") => {
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }, 10_000);
      try {
        child.kill(signal);
      } catch { /* gone */ }
      await exited;
      clearTimeout(timer);
    },
    exited,
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !gone) {
    try {
      const res = await fetch(`${httpUrl}${readyPath}`);
      await res.body?.cancel();
      if (res.status === 200) return proc;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  await proc.stop("SIGKILL");
  throw new Error(`${cmd.join(" ")} did not become ready:\n${text}`);
}

/**
 * Waits until 20 `/readyz` in a row, each over a new connection (so the
 * kernel's `SO_REUSEPORT` hash picks a worker anew), answer 200: every worker
 * is ready, not just the first.
 * @param port the server's port
 * @throws {Error} when that does not happen within 60 s
 */
async function readyOnEveryWorker(port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  let inARow = 0;
  while (inARow < 20) {
    if (Date.now() > deadline) throw new Error(`workers on port ${port} did not all become ready`);
    let ok = false;
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(new TextEncoder().encode(
        `GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
      ));
      const buf = new Uint8Array(64);
      const n = await conn.read(buf);
      ok = n !== null && new TextDecoder().decode(buf.subarray(0, n)).startsWith("HTTP/1.1 200");
      conn.close();
    } catch { /* starting */ }
    inARow = ok ? inARow + 1 : 0;
    if (!ok) await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Flags of every Deno server. `BENCH_DENO_FLAGS` (space-separated, e.g.
 * `--inspect=127.0.0.1:9339`) and `BENCH_V8_FLAGS` (comma-separated, e.g.
 * `--trace-gc`) add to them, for profiling.
 */
const denoServerFlags = (v8: readonly string[] = []) => [
  "run",
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--allow-write",
  "--allow-sys",
  ...(Deno.env.get("BENCH_DENO_FLAGS")?.split(" ").filter(Boolean) ?? []),
  `--v8-flags=${["--expose-gc", ...v8, Deno.env.get("BENCH_V8_FLAGS")].filter(Boolean).join(",")}`,
  `--preload=${BENCH}peers/gc_hook.ts`,
];

/**
 * V8 flags of our server only: `BENCH_OURS_V8_FLAGS` (comma-separated) when
 * set (`none` for none), else the ones `deno task start` ships with
 * (`DENO_V8_FLAGS=…` and `--v8-flags=…`), read from the checkout's deno.json,
 * so what is measured is what runs.
 * @returns the flags
 */
function oursV8Flags(): string[] {
  const set = Deno.env.get("BENCH_OURS_V8_FLAGS");
  if (set !== undefined) return set === "none" ? [] : set.split(",").filter(Boolean);
  try {
    const json = JSON.parse(Deno.readTextFileSync(`${oursRoot()}deno.json`));
    const start = String(json.tasks?.start ?? "");
    const flags = [/(?:^|\s)DENO_V8_FLAGS=(\S+)/, /--v8-flags=(\S+)/]
      .flatMap((re) => re.exec(start)?.[1]?.split(",") ?? []);
    return flags;
  } catch {
    return [];
  }
}

/**
 * `BENCH_OURS_ENV="NAME=value,NAME2=value"`: extra environment for our server
 * only, for what-if runs (e.g. a longer `HEARTBEAT_TIMEOUT_MS`); recorded in
 * the results' command line.
 * @returns the variables
 */
/**
 * `BENCH_OURS_ROOT=/path/to/checkout`: run our server from another checkout
 * (its `main.ts`, under this harness), for before/after figures in one run;
 * the version column names the checkout.
 * @returns the folder holding the `main.ts` to run, with a trailing slash
 */
function oursRoot(): string {
  const v = Deno.env.get("BENCH_OURS_ROOT");
  return v ? (v.endsWith("/") ? v : `${v}/`) : ROOT;
}

function oursEnvOverride(): Record<string, string> {
  const v = Deno.env.get("BENCH_OURS_ENV");
  if (!v) return {};
  return Object.fromEntries(v.split(",").map((kv) => kv.split("=", 2) as [string, string]));
}

/**
 * The peers and our server, in the order they run.
 * @param nodeDir where ws and Socket.IO are installed
 * @param bunDir where Bun is installed, or null when it is not runnable
 * @returns the targets
 */
export async function targets(nodeDir: string, bunDir: string | null): Promise<Target[]> {
  const deno = Deno.execPath();
  const nodeVersion = new TextDecoder().decode(
    (await new Deno.Command("node", { args: ["--version"], stdout: "piped" }).output()).stdout,
  ).trim();
  const peerEnv = (o: StartOptions) => ({
    PORT: String(o.port),
    BENCH_NODE_DIR: nodeDir,
    HB_MS: String(o.hbMs),
    PATH: Deno.env.get("PATH") ?? "",
  });
  const list: Target[] = [
    {
      name: "bare-deno",
      dialect: "raw",
      isHub: false,
      version: `deno ${Deno.version.deno}`,
      start: (o) =>
        spawnServer([deno, ...denoServerFlags(), `${BENCH}peers/deno_bare.ts`], peerEnv(o), o, "/"),
    },
    {
      name: "node-ws",
      dialect: "raw",
      isHub: false,
      version: `node ${nodeVersion}, ws ${installedVersion(nodeDir, "ws")}`,
      start: (o) =>
        spawnServer(["node", "--expose-gc", `${BENCH}peers/node_ws.mjs`], peerEnv(o), o, "/"),
    },
    {
      name: "socket.io",
      dialect: "sio",
      isHub: false,
      version: `node ${nodeVersion}, socket.io ${installedVersion(nodeDir, "socket.io")}`,
      start: (o) =>
        spawnServer(["node", "--expose-gc", `${BENCH}peers/socketio.mjs`], peerEnv(o), o, "/"),
    },
  ];
  if (bunDir) {
    const bun = await bunBinary(bunDir);
    list.push({
      name: "bun",
      dialect: "raw",
      isHub: false,
      version: `bun ${bun.version}`,
      start: (o) => spawnServer([bun.path, `${BENCH}peers/bun_server.mjs`], peerEnv(o), o, "/"),
    });
  }
  const oursV8 = oursV8Flags();
  const ours = (workers: number, io: "deno" | "node" = "deno"): Target => ({
    name: (workers === 1 ? "ours" : `ours-${workers}w`) + (io === "deno" ? "" : `-${io}`),
    dialect: "hub",
    isHub: true,
    workers,
    version: `deno ${Deno.version.deno}, ${oursRoot() === ROOT ? "" : oursRoot()}main.ts` +
      (oursV8.length === 0 ? "" : `, --v8-flags=${oursV8.join(",")}`) +
      (workers === 1 ? "" : `, WORKERS=${workers}`) +
      (io === "deno" ? "" : `, TRANSPORT_IO=${io}`),
    start: async (o) => {
      const proc = await spawnServer(
        [
          deno,
          ...denoServerFlags(oursV8),
          // The supervisor starts its workers with this executable, and nothing else.
          ...(workers === 1 ? [] : [`--allow-run=${deno}`]),
          `${oursRoot()}main.ts`,
        ],
        {
          PATH: Deno.env.get("PATH") ?? "",
          HOME: Deno.env.get("HOME") ?? "/root",
          WEBSOCKET_HOST: "127.0.0.1",
          WEBSOCKET_PORT: String(o.port),
          LOG_LEVEL: "warn",
          AUTH_SECRET: TEST_SECRET,
          HEARTBEAT_INTERVAL_MS: String(o.hbMs),
          HEARTBEAT_TIMEOUT_MS: String(3 * o.hbMs),
          WORKERS: String(workers),
          // The load generator speaks from 8 source addresses; a real storm of
          // 9000 clients comes from thousands. Per address, let a storm through.
          MAX_PENDING_PER_ADDRESS: "20000",
          TRANSPORT_IO: io,
          // No traffic leaves the machine: the post fetchers point at a closed local port.
          VK_API_BASE: "http://127.0.0.1:9",
          TELEGRAM_BASE: "http://127.0.0.1:9",
          ...o.env,
          ...oursEnvOverride(),
        },
        o,
        "/readyz",
      );
      if (workers > 1) await readyOnEveryWorker(o.port);
      return proc;
    },
  });
  // ours-2w: two workers on the one port under a supervisor, events relayed between them.
  // ours-node: TRANSPORT_IO=node, each connection's I/O on a node:net handle (issue 18 item 3).
  list.push(ours(1), ours(2), ours(1, "node"));
  return list;
}
