/**
 * What one `SR` costs our server process end to end, by thread: a module
 * sends `SR`s one at a time to a server with N operators, each waited for
 * until every operator has its event, warm; the server's CPU is read per
 * thread from `/proc/<pid>/task/<tid>/schedstat`, and so is an idle window of
 * the same length, to subtract what the server spends anyway, and over each
 * `SR`'s own window (from just before it to its last operator's event), where
 * the idle server's own work is too small to matter.
 *
 * `deno task bench:sr-threads [count=1500] [operators=10]`; `SR_GAP_MS` pauses
 * before each measured `SR` (S1's rounds are ~350 ms apart, and a cold `SR`
 * costs about twice a warm one), `SR_INSERT_EACH=1` inserts each row just
 * before its `SR` as a module does, `SR_MISSING=1` names rows that do not
 * exist (the frame's path without the append), `SR_ENV="NAME=value;…"` adds
 * to the server's environment, `SR_HOLD_MS` keeps it connected and idle at
 * the end (to profile the idle server), `SR_OUTPUT=file` writes the server's
 * output there, `SR_WINDOWS=file` each measured `SR`'s window (ms since the
 * epoch) for `bench/perf_frames.ts --windows`.
 * @module
 */
import { mintToken, startServer } from "../tests/_support/server.ts";
import { TestClient } from "../tests/_support/ws_client.ts";
import { SQLITE } from "../tests/integration/backends.ts";

const COUNT = Number(Deno.args[0] ?? 1500);
const OPERATORS = Number(Deno.args[1] ?? 10);
const WARM = 300;
/** SR_GAP_MS: a pause before each measured SR, as between S1's rounds (caches go cold). */
const GAP_MS = Number(Deno.env.get("SR_GAP_MS") ?? 0);
/** SR_INSERT_EACH=1: each measured SR's row is inserted just before it, by this process, as a module does. */
const INSERT_EACH = Deno.env.get("SR_INSERT_EACH") === "1";

const NEWLINE = new TextEncoder().encode("\n");

/**
 * The server's CPU per thread, read through one long-lived shell: Deno grants
 * another process's `/proc/<pid>/task` only to `--allow-all`, and a shell per
 * read would put a process start between an `SR` and its reading.
 */
class ThreadClock {
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #stdout: ReadableStreamDefaultReader<string>;
  #buffered = "";

  constructor(pid: number) {
    // One line in, one "<comm> <ns>" line per thread out, then END; builtins only, no fork per read.
    const script = `while read -r _; do for t in /proc/${pid}/task/*; do ` +
      `read -r c < "$t/comm" && read -r ns _ < "$t/schedstat" && echo "$c $ns"; ` +
      `done 2>/dev/null; echo END; done`;
    this.#child = new Deno.Command("bash", {
      args: ["-c", script],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    this.#stdin = this.#child.stdin.getWriter();
    this.#stdout = this.#child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** CPU ns per thread name (threads of one name summed). */
  async read(): Promise<Map<string, number>> {
    await this.#stdin.write(NEWLINE);
    while (!this.#buffered.includes("END\n")) {
      const { value, done } = await this.#stdout.read();
      if (done) throw new Error("the /proc reader ended");
      this.#buffered += value;
    }
    const end = this.#buffered.indexOf("END\n");
    const lines = this.#buffered.slice(0, end).split("\n").filter(Boolean);
    this.#buffered = this.#buffered.slice(end + 4);
    const out = new Map<string, number>();
    for (const line of lines) {
      // The name may hold spaces ("V8 DefaultWorke"); the figure is last.
      const at = line.lastIndexOf(" ");
      const comm = line.slice(0, at);
      out.set(comm, (out.get(comm) ?? 0) + Number(line.slice(at + 1)));
    }
    return out;
  }

  /** Ends the shell. */
  async close(): Promise<void> {
    await this.#stdin.close().catch(() => {});
    await this.#stdout.cancel().catch(() => {});
    await this.#child.status;
  }
}
const sum = (m: Map<string, number>) => [...m.values()].reduce((s, v) => s + v, 0);
const diff = (a: Map<string, number>, b: Map<string, number>) =>
  new Map([...b].map(([k, v]) => [k, v - (a.get(k) ?? 0)]));

const backend = await SQLITE.create();
const server = await startServer({
  ...backend.env,
  LOG_LEVEL: "error",
  RATE_LIMIT_PER_SEC: "1000000",
  RATE_LIMIT_BURST: "1000000",
  // The test clients do not answer the protocol's PING: no heartbeat closes them mid-run.
  HEARTBEAT_INTERVAL_MS: "1800000",
  HEARTBEAT_TIMEOUT_MS: "3600000",
  // SR_ENV="NAME=value;NAME2=value": extra environment for the server.
  ...Object.fromEntries(
    (Deno.env.get("SR_ENV") ?? "").split(";").filter(Boolean).map((kv) => {
      const at = kv.indexOf("=");
      return [kv.slice(0, at), kv.slice(at + 1)];
    }),
  ),
});
const db = await backend.open();
const clock = new ThreadClock(server.pid);
try {
  const ops: TestClient[] = [];
  let arrivals = 0;
  for (let i = 0; i < OPERATORS; i++) {
    const c = await TestClient.open(server.wsUrl);
    await c.hello(await mintToken(`op${i}`, "operator"));
    c.socket.addEventListener("message", (ev) => {
      if ((ev.data as string).includes('"event":"pending"')) arrivals++;
    });
    ops.push(c);
  }
  const mod = await TestClient.open(server.wsUrl);
  await mod.hello(await mintToken("writer", "module"));
  const ids: number[] = [];
  for (let i = 0; i < WARM + (INSERT_EACH ? 0 : COUNT); i++) {
    ids.push(await db.insertResponse({ response_text: `r${i}`, post_text: "post ".repeat(50) }));
  }
  let sent = 0;
  const one = async (id: number) => {
    sent++;
    // SR_MISSING=1: ids no row has (ERROR not_found): the frame's path without the append.
    const missing = Deno.env.get("SR_MISSING") === "1";
    await mod.request({ type: "SR", response_id: missing ? id + 1e9 : id }).catch(() => {});
    if (missing) return;
    while (arrivals < sent * OPERATORS) await new Promise((r) => setTimeout(r, 0));
  };
  for (const id of ids.slice(0, WARM)) await one(id);
  await new Promise((r) => setTimeout(r, 1000));
  const a = await clock.read();
  /** The server's CPU (µs, all threads) from just before each SR to its last operator's event. */
  const windows: number[] = [];
  /** The same windows in wall-clock time (ms since the epoch), for `SR_WINDOWS`. */
  const spans: Array<[number, number]> = [];
  /** The same windows' CPU per thread name, ns in all. */
  const perThread = new Map<string, number>();
  const t0 = performance.now();
  for (let i = 0; i < COUNT; i++) {
    if (GAP_MS > 0) await new Promise((r) => setTimeout(r, GAP_MS));
    const id = INSERT_EACH
      ? await db.insertResponse({ response_text: `m${i}`, post_text: "post ".repeat(50) })
      : ids[WARM + i]!;
    const before = await clock.read();
    const from = performance.timeOrigin + performance.now();
    await one(id);
    spans.push([from, performance.timeOrigin + performance.now()]);
    const spent = diff(before, await clock.read());
    windows.push(sum(spent) / 1000);
    for (const [k, v] of spent) perThread.set(k, (perThread.get(k) ?? 0) + v);
  }
  const wall = performance.now() - t0;
  const busy = diff(a, await clock.read());
  const b = await clock.read();
  await new Promise((r) => setTimeout(r, wall));
  const idle = diff(b, await clock.read());
  console.log(`${COUNT} SRs to ${OPERATORS} operators in ${wall.toFixed(0)} ms`);
  console.log(`thread               busy µs/SR   idle µs/SR (same wall time)`);
  for (const [k, v] of [...busy].sort((x, y) => y[1] - x[1])) {
    console.log(
      `${k.padEnd(20)} ${(v / COUNT / 1000).toFixed(1).padStart(10)} ${
        ((idle.get(k) ?? 0) / COUNT / 1000).toFixed(1).padStart(12)
      }`,
    );
  }
  console.log(
    `${"all".padEnd(20)} ${(sum(busy) / COUNT / 1000).toFixed(1).padStart(10)} ${
      (sum(idle) / COUNT / 1000).toFixed(1).padStart(12)
    }`,
  );
  windows.sort((x, y) => x - y);
  const at = (q: number) => windows[Math.min(windows.length - 1, Math.floor(q * windows.length))]!;
  console.log(
    `each SR's own window (all threads, µs): median ${at(0.5).toFixed(0)}  p90 ${
      at(0.9).toFixed(0)
    }  mean ${(windows.reduce((s, v) => s + v, 0) / windows.length).toFixed(0)}`,
  );
  console.log(
    `  by thread (mean µs): ${
      [...perThread].sort((x, y) => y[1] - x[1]).map(([k, v]) =>
        `${k} ${(v / COUNT / 1000).toFixed(0)}`
      ).join(", ")
    }`,
  );
  // SR_WINDOWS=file: each SR's window, "from to" in ms since the epoch, to cut a
  // profile taken with `perf record -k realtime` down to the SRs.
  const windowsFile = Deno.env.get("SR_WINDOWS");
  if (windowsFile) {
    Deno.writeTextFileSync(windowsFile, spans.map(([a, b]) => `${a} ${b}\n`).join(""));
  }
  // SR_HOLD_MS: stay connected and idle this long at the end (to profile the idle server).
  await new Promise((r) => setTimeout(r, Number(Deno.env.get("SR_HOLD_MS") ?? 0)));
  for (const c of ops) c.close();
  mod.close();
} finally {
  await clock.close();
  await db.close();
  await server.stop();
  // SR_OUTPUT=file: the server's output goes there (with `--trace-gc` in SR_ENV's DENO_V8_FLAGS, its collections).
  const output = Deno.env.get("SR_OUTPUT");
  if (output) Deno.writeTextFileSync(output, server.output());
  await backend.dispose();
}
