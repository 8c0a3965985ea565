/**
 * Runs the real server (`main.ts`) as a child process for integration tests,
 * on a free loopback port, and mints tokens for it.
 * @module
 */
import { TokenAuthority } from "../../src/auth/jwt.ts";
import type { Role } from "../../src/protocol/types.ts";

/** The secret every test server is started with, unless overridden. */
export const TEST_SECRET = "test-secret-of-at-least-32-bytes-length!";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;

/** A server process started by `startServer`. */
export interface RunningServer {
  /** `http://127.0.0.1:<port>` (or `https://localhost:<port>` with TLS). */
  readonly url: string;
  /** The WebSocket endpoint. */
  readonly wsUrl: string;
  readonly port: number;
  /** The server process's id (for `ps` or `/proc`). */
  readonly pid: number;
  readonly env: Readonly<Record<string, string>>;
  /** Everything the process has written to stdout and stderr so far. */
  output(): string;
  /** Sends a signal and waits for the exit; returns the exit code. */
  stop(signal?: Deno.Signal): Promise<number>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
  /** Resolves with the exit status when the process ends. */
  readonly exited: Promise<Deno.CommandStatus>;
}

/**
 * The `deno` arguments that run the server with the permissions of
 * `deno task start` (writing only where its SQLite file lives), so tests
 * catch a permission the production command lacks.
 * @param env the server's environment
 * @returns the arguments
 */
export function serverArgs(env: Record<string, string>): string[] {
  const sqlite = env.SQLITE_PATH || "data/wsserver.sqlite";
  const dir = sqlite.includes("/") ? sqlite.slice(0, sqlite.lastIndexOf("/")) : ".";
  return [
    "run",
    "--allow-net",
    "--allow-env",
    "--allow-read",
    `--allow-write=${dir}`,
    "--allow-sys=hostname,osRelease,networkInterfaces",
    // As `deno task start`: a supervisor (WORKERS > 1) starts its workers, and nothing else.
    "--allow-run=deno",
    MAIN,
  ];
}

/** Finds a free TCP port on 127.0.0.1. */
export function freePort(): number {
  // Below the kernel's ephemeral range (32768–60999 here), so no outgoing
  // connection's source port can take a server's port while it restarts on
  // it, and never the same port twice in one test run.
  for (let tries = 0; tries < 1000; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (handedOut.has(port)) continue;
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
    } catch {
      continue; // taken
    }
    handedOut.add(port);
    return port;
  }
  throw new Error("no free port in 20000–31999");
}

const handedOut = new Set<number>();

/**
 * Starts `main.ts` with the given environment and waits until `/readyz` says 200.
 * @param env configuration variables (WEBSOCKET_PORT is chosen when absent)
 * @param opts `waitReady: false` to return once `/healthz` answers; `timeoutMs`
 * @returns the running server
 * @throws {Error} when it does not become ready (with its output)
 */
export async function startServer(
  env: Record<string, string> = {},
  opts: {
    waitReady?: boolean;
    timeoutMs?: number;
    cwd?: string;
    /** Start it under `ulimit -n` of this many open files. */
    nofile?: number;
  } = {},
): Promise<RunningServer> {
  const port = env.WEBSOCKET_PORT ? Number(env.WEBSOCKET_PORT) : freePort();
  const fullEnv: Record<string, string> = {
    WEBSOCKET_HOST: "127.0.0.1",
    AUTH_SECRET: TEST_SECRET,
    LOG_LEVEL: "warn",
    // Tests that count events announce rows themselves; the tests of the scan turn it on.
    ANNOUNCE_SCAN_MS: "0",
    ...env,
    WEBSOCKET_PORT: String(port),
  };
  const tls = Boolean(fullEnv.SSL_CERT_FILE && fullEnv.SSL_KEY_FILE);
  const args = serverArgs(fullEnv);
  const cmd = new Deno.Command(opts.nofile ? "bash" : Deno.execPath(), {
    args: opts.nofile
      ? ["-c", `ulimit -n ${opts.nofile} && exec "$0" "$@"`, Deno.execPath(), ...args]
      : args,
    cwd: opts.cwd ?? ROOT,
    env: fullEnv,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
  const child = cmd.spawn();
  let text = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of stream) text += dec.decode(chunk, { stream: true });
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const exited = child.status.then(async (s) => {
    await pumps.catch(() => {});
    return s;
  });
  const host = tls ? "localhost" : "127.0.0.1";
  const url = `${tls ? "https" : "http"}://${host}:${port}`;
  const server: RunningServer = {
    url,
    wsUrl: `${tls ? "wss" : "ws"}://${host}:${port}/ws`,
    port,
    pid: child.pid,
    env: fullEnv,
    output: () => text,
    stop: async (signal: Deno.Signal = "SIGTERM") => {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
      return (await exited).code;
    },
    kill: async () => {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await exited;
    },
    exited,
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  const path = opts.waitReady === false ? "/healthz" : "/readyz";
  let gone = false;
  exited.then(() => gone = true);
  while (Date.now() < deadline && !gone) {
    if (tls) break; // the caller checks TLS readiness with its own CA
    try {
      const res = await fetch(`${url}${path}`);
      await res.body?.cancel();
      if (res.status === 200) return server;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  if (tls && !gone) return server;
  await server.kill();
  throw new Error(`server did not become ready on ${url}:\n${text}`);
}

/**
 * Mints a token for a test client.
 * @param sub user or module name
 * @param role the role
 * @param opts secret and lifetime
 * @returns a signed HS256 JWT
 */
export function mintToken(
  sub: string,
  role: Role,
  opts: { secret?: string; ttlSeconds?: number } = {},
): Promise<string> {
  const authority = new TokenAuthority(opts.secret ?? TEST_SECRET);
  return authority.sign({
    sub,
    role,
    exp: Math.floor(Date.now() / 1000) + (opts.ttlSeconds ?? 3600),
  });
}
