/**
 * A private `redis-server` for tests that stop Redis or need a password, an
 * ACL user or TLS: its own port and directory, so the shared Redis is never
 * touched. Also makes a throw-away CA and a server certificate with openssl.
 * @module
 */

/** Where the Redis binary is (Debian's `redis-server`, built with TLS). */
const REDIS_SERVER = "/usr/bin/redis-server";

/** Whether `redis-server` is installed. */
export const HAVE_REDIS_SERVER: boolean = (() => {
  try {
    return Deno.statSync(REDIS_SERVER).isFile;
  } catch {
    return false;
  }
})();

/** TLS files for a server. */
export interface TlsFiles {
  /** The CA certificate that signed `cert` (what clients trust, e.g. via `DENO_CERT`). */
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
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

/** A private Redis server. */
export interface PrivateRedis {
  readonly port: number;
  /** `redis://` or `rediss://` URL for `127.0.0.1:<port>`, with optional credentials. */
  url(auth?: { user?: string; password?: string }): string;
  /** Starts (or starts again, on the same port) and waits until it accepts connections. */
  start(): Promise<void>;
  /** SIGKILL, and waits for the port to close. */
  kill(): Promise<void>;
  /** Kills it if running and removes its directory. */
  remove(): Promise<void>;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function waitForPort(port: number, up: boolean, ms = 10_000): Promise<void> {
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

/**
 * Prepares a private Redis server (not started).
 * @param options password, ACL users, TLS
 * @returns the server
 */
export async function privateRedis(options: RedisServerOptions = {}): Promise<PrivateRedis> {
  const dir = await Deno.makeTempDir({ prefix: "wstest_redis_" });
  const port = freePort();
  const args = [
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
  ];
  let child: Deno.ChildProcess | null = null;
  const server: PrivateRedis = {
    port,
    url(auth = {}) {
      const user = auth.user ? encodeURIComponent(auth.user) : "";
      const pass = auth.password !== undefined ? `:${encodeURIComponent(auth.password)}` : "";
      const credentials = user || pass ? `${user}${pass}@` : "";
      return `${options.tls ? "rediss" : "redis"}://${credentials}127.0.0.1:${port}`;
    },
    async start() {
      if (child !== null) return;
      child = new Deno.Command(REDIS_SERVER, { args, stdout: "null", stderr: "null" }).spawn();
      await waitForPort(port, true);
    },
    async kill() {
      if (child === null) return;
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
      child = null;
      await waitForPort(port, false);
    },
    async remove() {
      await server.kill();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
  return server;
}

/**
 * Makes a CA and a certificate for `localhost` and `127.0.0.1` signed by it.
 * @param dir where to write the files
 * @returns their paths
 * @throws {Error} when openssl fails
 */
export async function makeTlsFiles(dir: string): Promise<TlsFiles> {
  const ca = `${dir}/ca.pem`, cert = `${dir}/cert.pem`, key = `${dir}/key.pem`;
  await Deno.writeTextFile(
    `${dir}/leaf.ext`,
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
  );
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const steps = [
    ["req", "-x509", ...ec, "-keyout", `${dir}/ca.key`, "-out", ca, "-days", "1", "-subj", "/CN=t"],
    ["req", ...ec, "-keyout", key, "-out", `${dir}/leaf.csr`, "-subj", "/CN=localhost"],
    [
      "x509",
      "-req",
      "-in",
      `${dir}/leaf.csr`,
      "-CA",
      ca,
      "-CAkey",
      `${dir}/ca.key`,
      "-CAcreateserial",
      "-out",
      cert,
      "-days",
      "1",
      "-extfile",
      `${dir}/leaf.ext`,
    ],
  ];
  for (const args of steps) {
    const out = await new Deno.Command("openssl", { args, stdout: "null", stderr: "piped" })
      .output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  }
  // redis-server reads the key as another user in some setups: keep it readable.
  await Deno.chmod(key, 0o644);
  return { ca, cert, key };
}
