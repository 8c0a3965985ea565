/**
 * A private MariaDB server for tests that stop or hang the database: its own
 * data directory, port and socket, so the shared server is never disturbed.
 * `pause` (SIGSTOP) makes it a hung database — connections are accepted by
 * the kernel and then nothing answers — and `resume` (SIGCONT) brings it back.
 * @module
 */

const MARIADBD = "/usr/sbin/mariadbd";
const INSTALL_DB = "/usr/bin/mariadb-install-db";

/** Whether the MariaDB server binaries are installed. */
export const HAVE_MARIADB: boolean = (() => {
  try {
    return Deno.statSync(MARIADBD).isFile && Deno.statSync(INSTALL_DB).isFile;
  } catch {
    return false;
  }
})();

/** A private MariaDB server. */
export interface PrivateMariadb {
  readonly port: number;
  /** Connection settings for `root` (no password). */
  readonly settings: { host: string; port: number; user: string; password: string };
  /** Starts it and waits until it accepts connections. */
  start(): Promise<void>;
  /** SIGSTOP, and waits until the kernel reports it stopped: the server hangs. */
  pause(): Promise<void>;
  /** SIGCONT: the server answers again. */
  resume(): void;
  /** Stops it (resuming it first if paused) and removes its directory. */
  remove(): Promise<void>;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function waitForPort(port: number, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`MariaDB did not listen on ${port} within ${ms} ms`);
}

/**
 * Prepares a private server: `mariadb-install-db` into a temporary directory.
 * @returns the server (not started)
 * @throws {Error} when the installation fails
 */
export async function privateMariadb(): Promise<PrivateMariadb> {
  const dir = await Deno.makeTempDir({ prefix: "wstest_mariadb_" });
  const port = freePort();
  const datadir = `${dir}/data`;
  const install = await new Deno.Command(INSTALL_DB, {
    args: [
      "--no-defaults",
      `--datadir=${datadir}`,
      "--auth-root-authentication-method=normal",
      "--skip-test-db",
      ...(Deno.uid() === 0 ? ["--user=root"] : []),
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!install.success) throw new Error(new TextDecoder().decode(install.stderr));
  let child: Deno.ChildProcess | null = null;
  let paused = false;
  const server: PrivateMariadb = {
    port,
    settings: { host: "127.0.0.1", port, user: "root", password: "" },
    async start() {
      child = new Deno.Command(MARIADBD, {
        args: [
          "--no-defaults",
          `--datadir=${datadir}`,
          `--port=${port}`,
          "--bind-address=127.0.0.1",
          `--socket=${dir}/mysqld.sock`,
          `--pid-file=${dir}/mysqld.pid`,
          `--log-error=${dir}/error.log`,
          "--innodb-buffer-pool-size=16M",
          "--skip-log-bin",
          ...(Deno.uid() === 0 ? ["--user=root"] : []),
        ],
        stdout: "null",
        stderr: "null",
      }).spawn();
      await waitForPort(port);
      // The port could belong to another test's server that took it first: ours writes its pid.
      let pid = "";
      for (let i = 0; i < 50 && Number(pid.trim()) !== child.pid; i++) {
        pid = await Deno.readTextFile(`${dir}/mysqld.pid`).catch(() => "");
        if (Number(pid.trim()) !== child.pid) await new Promise((r) => setTimeout(r, 100));
      }
      if (Number(pid.trim()) !== child.pid) {
        throw new Error(`port ${port} is not our MariaDB (pid file: '${pid.trim()}')`);
      }
    },
    async pause() {
      if (child === null) return;
      child.kill("SIGSTOP");
      paused = true;
      const end = Date.now() + 5000;
      while (Date.now() < end) {
        // `ps`, not /proc/<pid>/stat: the test task may not read another process's /proc.
        const out = await new Deno.Command("ps", { args: ["-o", "stat=", "-p", String(child.pid)] })
          .output();
        if (new TextDecoder().decode(out.stdout).trim().startsWith("T")) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error("MariaDB did not stop on SIGSTOP");
    },
    resume() {
      child?.kill("SIGCONT");
      paused = false;
    },
    async remove() {
      if (child !== null) {
        if (paused) server.resume();
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
        await child.status;
        child = null;
      }
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
  return server;
}
