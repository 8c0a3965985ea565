/**
 * `deno task start` is the command people run in production (and the systemd
 * unit in docs/deployment.md runs the same flags): it must carry
 * `MALLOC_ARENA_MAX=2` into the server's real process environment, where glibc
 * reads it at start — not just into `Deno.env` — and stop cleanly on SIGTERM.
 * @module
 */
import assert from "node:assert/strict";
import { freePort, TEST_SECRET } from "../_support/server.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The parent pid of a process, from /proc/<pid>/stat (field 4, after the `(comm)`). */
function parentOf(pid: number): number | null {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return null;
  }
}

/** The process under `ancestor` whose command line runs main.ts. */
function serverUnder(ancestor: number): number | null {
  for (const entry of Deno.readDirSync("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid)) continue;
    let cmdline: string;
    try {
      cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`);
    } catch {
      continue;
    }
    if (!cmdline.split("\0").includes("main.ts")) continue;
    for (let p: number | null = pid; p !== null && p > 1; p = parentOf(p)) {
      if (p === ancestor) return pid;
    }
  }
  return null;
}

Deno.test("deno task start puts MALLOC_ARENA_MAX=2 in the server's environment and stops with 0 on SIGTERM", async () => {
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

    server = serverUnder(child.pid);
    assert(server !== null, "no main.ts process under `deno task start`");
    const environ = Deno.readTextFileSync(`/proc/${server}/environ`).split("\0");
    assert(environ.includes("MALLOC_ARENA_MAX=2"), `server environment: ${environ.join(" ")}`);

    // systemd's default KillMode signals every process of the unit; so do we.
    Deno.kill(server, "SIGTERM");
    child.kill("SIGTERM");
  } catch (e) {
    // The server holds the task's output pipes: kill it too, or the wait hangs.
    for (const pid of [server, child.pid]) {
      try {
        if (pid !== null) Deno.kill(pid, "SIGKILL");
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
});
