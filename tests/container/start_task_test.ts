/**
 * `deno task start` is the command people run in production (and the systemd
 * unit in docs/deployment.md runs the same flags): it must carry
 * `MALLOC_ARENA_MAX=2` (read by glibc) and `DENO_V8_FLAGS` (read by Deno, and
 * inherited by workers) into the server's real process environment, where
 * they are read at start — not just into `Deno.env` — and stop cleanly on SIGTERM.
 * @module
 */
import assert from "node:assert/strict";
import { freePort, TEST_SECRET } from "../_support/server.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Runs a command and returns its stdout (Deno reads /proc only with --allow-all; `ps` and `cat` need just --allow-run). */
async function run(cmd: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).output();
  return new TextDecoder().decode(out.stdout);
}

/** Every process under `ancestor`, with its command line. */
async function descendants(ancestor: number): Promise<{ pid: number; args: string }[]> {
  const rows = (await run("ps", "-eo", "pid=,ppid=,args=")).split("\n").map((line) => {
    const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    return m ? { pid: Number(m[1]), ppid: Number(m[2]), args: m[3] ?? "" } : null;
  }).filter((r) => r !== null);
  const found: { pid: number; args: string }[] = [];
  const queue = [ancestor];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const r of rows) {
      if (r.ppid === parent) {
        found.push({ pid: r.pid, args: r.args });
        queue.push(r.pid);
      }
    }
  }
  return found;
}

/** The process under `ancestor` whose command line runs main.ts. */
async function serverUnder(ancestor: number): Promise<number | null> {
  const match = (await descendants(ancestor)).find((d) => d.args.split(" ").includes("main.ts"));
  return match?.pid ?? null;
}

Deno.test("deno task start puts MALLOC_ARENA_MAX=2 and DENO_V8_FLAGS in the server's environment and passes SIGTERM on (exit 0)", async () => {
  const port = freePort();
  const sqlite = `data/start-task-${crypto.randomUUID().slice(0, 8)}.sqlite`;
  // A clean environment, so the variable can only come from the task itself.
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "start"],
    cwd: ROOT,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? "/root",
      ...(Deno.env.get("DENO_DIR") ? { DENO_DIR: Deno.env.get("DENO_DIR")! } : {}),
      NO_COLOR: "1",
      AUTH_SECRET: TEST_SECRET,
      WEBSOCKET_HOST: "127.0.0.1",
      WEBSOCKET_PORT: String(port),
      SQLITE_PATH: sqlite,
      LOG_LEVEL: "warn",
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = child.output();
  let server: number | null = null;
  try {
    let ready = false;
    for (let i = 0; i < 600 && !ready; i++) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        await res.body?.cancel();
        ready = res.status === 200;
      } catch { /* not yet listening */ }
      if (!ready) await new Promise((r) => setTimeout(r, 50));
    }
    assert(ready, "the server started by `deno task start` never said /readyz 200");

    server = await serverUnder(child.pid);
    assert(server !== null, "no main.ts process under `deno task start`");
    const environ = (await run("cat", `/proc/${server}/environ`)).split("\0");
    assert(environ.includes("MALLOC_ARENA_MAX=2"), `server environment: ${environ.join(" ")}`);
    assert(
      environ.includes("DENO_V8_FLAGS=--max-semi-space-size=16"),
      `server environment: ${environ.join(" ")}`,
    );

    // Only the task gets SIGTERM (as from `kill <MainPID>`): `deno task` must pass it on.
    child.kill("SIGTERM");
    const stopped = await Promise.race([
      output.then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), 20_000)),
    ]);
    assert(stopped, "the server was still running 20 s after SIGTERM to `deno task start`");
  } catch (e) {
    // The server holds the task's output pipes: kill it too, or the wait hangs.
    for (const { pid } of [...await descendants(child.pid), { pid: child.pid }]) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* gone */ }
    }
    await output;
    throw e;
  } finally {
    for (const suffix of ["", "-wal", "-shm"]) {
      await Deno.remove(`${ROOT}${sqlite}${suffix}`).catch(() => {});
    }
  }
  const result = await output;
  const stderr = new TextDecoder().decode(result.stderr);
  assert.equal(result.code, 0, stderr);
  assert.equal(
    (await run("ps", "-o", "pid=", "-p", String(server))).trim(),
    "",
    "server left over",
  );
});
