/**
 * The supervisor as a process (`main.ts` with `WORKERS=2`): development mode
 * makes one secret for all workers and prints the banner once; no worker
 * outlives a supervisor killed with SIGKILL; a start-up failure that never
 * heals stops everything with exit 2 instead of a restart loop; a supervisor
 * that may not start Deno says which flag it lacks.
 */
import assert from "node:assert/strict";
import { freePort, mintToken, serverArgs, startServer } from "../_support/server.ts";
import { MYSQL_UP, TEST_MYSQL } from "../_support/services.ts";
import { SQLITE } from "../integration/backends.ts";
import { findProcesses, statsOnce } from "./_cluster.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const ROOT = new URL("../../", import.meta.url).pathname;

async function refused(port: number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    return false;
  } catch {
    return true;
  }
}

/** Whether a process runs (exited but not yet reaped by its new parent counts as not). */
function running(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^\S+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

Deno.test({
  name: "development mode: one secret for every worker, the banner printed once",
  ...opts,
}, async () => {
  const db = await SQLITE.create();
  const server = await startServer({ ...db.env, WORKERS: "2", AUTH_SECRET: "" });
  try {
    const deadline = Date.now() + 10_000;
    while (!server.output().includes("Module token:") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const output = server.output();
    assert.equal(output.split("DEVELOPMENT MODE").length - 1, 1, output.slice(-3000));
    const admin = /\/dashboard#token=(\S+)/.exec(output)?.[1];
    assert.ok(admin, "the banner has an admin token");
    // Both workers accept the token the supervisor's banner shows.
    const found = await findProcesses(server.port, admin, 2);
    assert.equal(found.size, 2);
    // A token of another secret is refused by each.
    const foreign = await mintToken("x", "admin", { secret: "x".repeat(40) });
    await assert.rejects(() => statsOnce(server.port, foreign), /401/);
    assert.equal(await server.stop("SIGTERM"), 0);
  } finally {
    await server.kill();
    await db.dispose();
  }
});

Deno.test({
  name: "a supervisor killed with SIGKILL leaves no worker holding the port",
  ...opts,
}, async () => {
  const db = await SQLITE.create();
  const server = await startServer({ ...db.env, WORKERS: "2" });
  try {
    const admin = await mintToken("admin", "admin");
    const workers = [...(await findProcesses(server.port, admin, 2)).keys()];
    await server.kill();
    const deadline = Date.now() + 20_000;
    while (!(await refused(server.port)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(await refused(server.port), "the port still answers");
    for (const pid of workers) {
      while (running(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.equal(running(pid), false, `worker ${pid} still runs`);
    }
  } finally {
    await server.kill();
    await db.dispose();
  }
});

Deno.test({
  name: "workers that cannot start (MySQL refuses the user) stop the supervisor with exit 2",
  ignore: !MYSQL_UP,
  ...opts,
}, async () => {
  const port = freePort();
  const env = {
    WEBSOCKET_HOST: "127.0.0.1",
    WEBSOCKET_PORT: String(port),
    AUTH_SECRET: "supervised-secret-0123456789-abcdefghij",
    WORKERS: "2",
    MYSQL_HOST: TEST_MYSQL.host,
    MYSQL_PORT: String(TEST_MYSQL.port),
    MYSQL_USER: "no_such_user_for_workers_test",
    MYSQL_PASSWORD: "wrong",
    LOG_LEVEL: "warn",
  };
  const out = await new Deno.Command(Deno.execPath(), {
    args: serverArgs(env),
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 2, text.slice(-2000));
  assert.match(text, /MYSQL_USER/);
  assert.doesNotMatch(text, /worker died; starting it again/, "no restart loop");
});

Deno.test("a supervisor without --allow-run exits 2 naming WORKERS and the flag", async () => {
  const db = await SQLITE.create();
  const env = {
    ...db.env,
    WEBSOCKET_PORT: String(freePort()),
    AUTH_SECRET: "supervised-secret-0123456789-abcdefghij",
    WORKERS: "2",
  };
  const out = await new Deno.Command(Deno.execPath(), {
    args: serverArgs(env).filter((a) => !a.startsWith("--allow-run")),
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 2, text);
  assert.match(text, /WORKERS: .*--allow-run=deno/);
  await db.dispose();
});
