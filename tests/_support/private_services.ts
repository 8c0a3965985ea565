/**
 * Private MariaDB and Redis servers for tests that kill, pause or restart
 * their database or broker: each runs in its own temporary directory on a
 * free loopback port, so the shared services are never disturbed. The same
 * data directory survives a kill, so a restart is a crash recovery.
 * @module
 */
import { freePort } from "./server.ts";
import type { TlsFiles } from "./tls_files.ts";

const MARIADBD = "/usr/sbin/mariadbd";
const INSTALL_DB = "/usr/bin/mariadb-install-db";
const REDIS_SERVER = "/usr/bin/redis-server";

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** True when the MariaDB server binaries are installed. */
export const HAVE_MARIADB_BINARIES: boolean = isFile(MARIADBD) && isFile(INSTALL_DB);
/** True when `redis-server` is installed. */
export const HAVE_REDIS_BINARY: boolean = isFile(REDIS_SERVER);

/**
 * Waits until a loopback port accepts connections (`up`) or refuses them.
 * @param port the port
 * @param up which state to wait for
 * @param ms how long at most
 * @throws {Error} when the port does not reach that state in time
 */
export async function waitForPort(port: number, up: boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      if (up) return;
    } catch {
      if (!up) return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} did not go ${up ? "up" : "down"} in ${ms} ms`);
}

/** A private server process that can be killed, paused and started again. */
export interface PrivateService {
  readonly port: number;
  /** Whether a process was started and has not been seen to end. */
  readonly running: boolean;
  /** Starts the process (on the same data) and waits until its port accepts connections. */
  start(): Promise<void>;
  /** Sends a signal; for SIGKILL/SIGTERM also waits for the exit and the port to close. */
  signal(signal: Deno.Signal): Promise<void>;
  /** SIGSTOP, and waits until the kernel reports it stopped: the server hangs. */
  pause(): Promise<void>;
  /** SIGCONT: the server answers again. */
  resume(): void;
  /** Stops the process (if running) and removes its directory. */
  remove(): Promise<void>;
}

/** Runs one child process at a time from a command line, restartable. */
function restartable(
  port: number,
  dir: string,
  command: string,
  args: string[],
  pidFile?: string,
): PrivateService {
  let child: Deno.ChildProcess | null = null;
  const service: PrivateService = {
    port,
    get running() {
      return child !== null;
    },
    async start() {
      if (child) throw new Error(`${command} is already running`);
      const spawned = new Deno.Command(command, { args, stdout: "null", stderr: "null" }).spawn();
      child = spawned;
      spawned.status.then(() => {
        if (child === spawned) child = null;
      });
      await waitForPort(port, true);
      // The port could belong to another test's server that took it first: ours writes its pid.
      if (pidFile !== undefined) await ownsPort(pidFile, spawned.pid, port);
    },
    async signal(signal: Deno.Signal) {
      const target = child;
      if (!target) return;
      try {
        target.kill(signal);
      } catch { /* already gone */ }
      if (signal === "SIGKILL" || signal === "SIGTERM") {
        await target.status;
        if (child === target) child = null;
        await waitForPort(port, false);
      }
    },
    async pause() {
      const target = child;
      if (!target) return;
      target.kill("SIGSTOP");
      const end = Date.now() + 5000;
      while (Date.now() < end) {
        // `ps`, not /proc/<pid>/stat: the test task may not read another process's /proc.
        const out = await new Deno.Command("ps", {
          args: ["-o", "stat=", "-p", String(target.pid)],
        })
          .output();
        if (new TextDecoder().decode(out.stdout).trim().startsWith("T")) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`${command} did not stop on SIGSTOP`);
    },
    resume() {
      try {
        child?.kill("SIGCONT");
      } catch { /* already gone */ }
    },
    async remove() {
      if (child) {
        const c = child;
        try {
          c.kill("SIGCONT");
          c.kill("SIGKILL");
        } catch { /* already gone */ }
        await c.status;
        child = null;
      }
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
  return service;
}

async function ownsPort(pidFile: string, pid: number, port: number): Promise<void> {
  let seen = "";
  for (let i = 0; i < 50; i++) {
    seen = (await Deno.readTextFile(pidFile).catch(() => "")).trim();
    if (Number(seen) === pid) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} is not our server (pid file: '${seen}')`);
}

/** A private MariaDB: the service and how to connect to it. */
export interface PrivateMariadb extends PrivateService {
  /** Connection settings for `root` (no password). */
  readonly settings: { host: string; port: number; user: string; password: string };
}

/**
 * Creates a MariaDB data directory (root without a password) and returns
 * the server, not yet started.
 * @returns the private MariaDB
 * @throws {Error} when `mariadb-install-db` fails
 */
export async function privateMariadb(): Promise<PrivateMariadb> {
  const dir = await Deno.makeTempDir({ prefix: "wstest_mariadb_" });
  const port = freePort();
  const cnf = `${dir}/my.cnf`;
  await Deno.writeTextFile(
    cnf,
    [
      "[mariadbd]",
      ...(Deno.uid() === 0 ? ["user=root"] : []),
      `datadir=${dir}/data`,
      `port=${port}`,
      "bind-address=127.0.0.1",
      `socket=${dir}/mysqld.sock`,
      `pid-file=${dir}/mysqld.pid`,
      `log-error=${dir}/error.log`,
      "innodb_buffer_pool_size=32M",
      "innodb_log_file_size=16M",
      "max_connections=300",
      "skip-log-bin",
      "skip-name-resolve",
      "",
    ].join("\n"),
  );
  const install = await new Deno.Command(INSTALL_DB, {
    args: [`--defaults-file=${cnf}`, "--auth-root-authentication-method=normal", "--skip-test-db"],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!install.success) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw new Error(`mariadb-install-db failed: ${new TextDecoder().decode(install.stderr)}`);
  }
  const service = restartable(port, dir, MARIADBD, [`--defaults-file=${cnf}`], `${dir}/mysqld.pid`);
  const settings = { host: "127.0.0.1", port, user: "root", password: "" };
  return Object.assign(service, { settings });
}

/** How to run the private server. */
export interface RedisServerOptions {
  /** `requirepass`: the default user's password. */
  readonly password?: string;
  /** ACL users as `user` directives, e.g. `["alice", "on", ">pw", "~*", "&*", "+@all"]`. */
  readonly users?: ReadonlyArray<readonly string[]>;
  /** Serve TLS only (no plain port). */
  readonly tls?: TlsFiles;
}

/** A private Redis: the service and its URL. */
export interface PrivateRedis extends PrivateService {
  /**
   * The URL of `127.0.0.1:<port>`, with optional credentials.
   * @returns `redis://…` or, with TLS, `rediss://…`
   */
  url(auth?: { user?: string; password?: string }): string;
  /** SIGKILL, and waits for the exit and the port to close. */
  kill(): Promise<void>;
}

/**
 * A Redis server without persistence on a free port, not yet started.
 * @param options password, ACL users, TLS
 * @returns the private Redis
 */
export async function privateRedis(options: RedisServerOptions = {}): Promise<PrivateRedis> {
  const dir = await Deno.makeTempDir({ prefix: "wstest_redis_" });
  const port = freePort();
  const service = restartable(port, dir, REDIS_SERVER, [
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    "--appendonly",
    "no",
    "--daemonize",
    "no",
    ...(options.tls
      ? [
        "--port",
        "0",
        "--tls-port",
        String(port),
        "--tls-cert-file",
        options.tls.cert,
        "--tls-key-file",
        options.tls.key,
        "--tls-ca-cert-file",
        options.tls.ca,
        "--tls-auth-clients",
        "no",
      ]
      : ["--port", String(port)]),
    ...(options.password !== undefined ? ["--requirepass", options.password] : []),
    ...(options.users ?? []).flatMap((u) => ["--user", ...u]),
  ]);
  return Object.assign(service, {
    url(auth: { user?: string; password?: string } = {}): string {
      const user = auth.user ? encodeURIComponent(auth.user) : "";
      const pass = auth.password !== undefined ? `:${encodeURIComponent(auth.password)}` : "";
      const credentials = user || pass ? `${user}${pass}@` : "";
      return `${options.tls ? "rediss" : "redis"}://${credentials}127.0.0.1:${port}`;
    },
    kill: () => service.signal("SIGKILL"),
  });
}
