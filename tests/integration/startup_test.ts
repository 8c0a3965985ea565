/**
 * Starting the server: bad configuration stops it with a message naming the
 * variable; development mode prints working operator and admin links and
 * listens on loopback only unless WEBSOCKET_HOST says otherwise (issue 7 row
 * 15); a SQLITE_PATH that `deno task start` may not write stops the start at
 * once, exit 2, naming SQLITE_PATH and the flag to add (row 16), as does any
 * other start-up failure that never heals; SSL_CERT_FILE alone (the CA bundle
 * many hosts export) serves plain HTTP; both files serve TLS, checked with a
 * `wss://` client trusting a certificate made here.
 */
import assert from "node:assert/strict";
import { freePort, serverArgs, startServer, TEST_SECRET } from "../_support/server.ts";
import { TestClient } from "../_support/ws_client.ts";
import { MARIADB, SQLITE } from "./backends.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const ROOT = new URL("../../", import.meta.url).pathname;

async function runMain(
  env: Record<string, string>,
  args?: string[],
): Promise<{ code: number; stderr: string; ms: number }> {
  const fullEnv = { WEBSOCKET_PORT: String(freePort()), WEBSOCKET_HOST: "127.0.0.1", ...env };
  const started = Date.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: args ?? serverArgs(fullEnv),
    cwd: ROOT,
    env: fullEnv,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr), ms: Date.now() - started };
}

/** `deno task start`'s own `deno run …` line, from deno.json, with `extra` flags before main.ts. */
async function taskStartArgs(extra: string[] = []): Promise<string[]> {
  const tasks = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)).tasks;
  // Leading NAME=value words are the task's environment (MALLOC_ARENA_MAX=2).
  const all = String(tasks.start).split(/\s+/);
  const words = all.slice(all.findIndex((w) => !/^[A-Z_][A-Z0-9_]*=/.test(w)));
  assert.equal(words[0], "deno");
  assert.ok(!words.includes("-A") && !words.includes("--allow-all"), "least privilege");
  return [...words.slice(1, -1), ...extra, words.at(-1)!];
}

/** Whether a TCP connection to the address is accepted. */
async function accepts(hostname: string, port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname, port });
    conn.close();
    return true;
  } catch (e) {
    assert.ok(e instanceof Deno.errors.ConnectionRefused, String(e));
    return false;
  }
}

Deno.test(
  { name: "a bad configuration value stops the start, naming the variable", ...opts },
  async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ WEBSOCKET_PORT: "eighty" }, /WEBSOCKET_PORT: 'eighty' is not an integer/],
      [{ HEARTBEAT_INTERVAL_MS: "5000", HEARTBEAT_TIMEOUT_MS: "4000" }, /HEARTBEAT_TIMEOUT_MS/],
      [{ LOG_LEVEL: "loud" }, /LOG_LEVEL: 'loud' \(allowed: debug, info, warn, error\)/],
      [{ MAX_MESSAGE_BYTES: "-1" }, /MAX_MESSAGE_BYTES/],
      [{ REDIS_URL: "http://x" }, /REDIS_URL/],
      [{ SSL_KEY_FILE: "/tmp/key.pem", SSL_CERT_FILE: "" }, /SSL_KEY_FILE/],
      [{ MYSQL_HOST: "127.0.0.1", MYSQL_DB: "bad-name;" }, /MYSQL_DB/],
    ];
    for (const [env, message] of cases) {
      const { code, stderr } = await runMain({ SQLITE_PATH: "/tmp/never.sqlite", ...env });
      assert.equal(code, 2, `${JSON.stringify(env)}: ${stderr}`);
      assert.match(stderr, message);
    }
  },
);

Deno.test(
  { name: "development mode: no AUTH_SECRET prints a working operator link", ...opts },
  async () => {
    const backend = await SQLITE.create();
    const server = await startServer({ ...backend.env, AUTH_SECRET: "", LOG_LEVEL: "info" });
    try {
      const out = server.output();
      assert.match(out, /DEVELOPMENT MODE/);
      const token = /#token=([A-Za-z0-9_.-]+)/.exec(out)?.[1];
      assert.ok(token, out);
      const c = await TestClient.open(server.wsUrl);
      const welcome = await c.hello(token);
      assert.equal(welcome.role, "operator");
      await c.close();
      assert.doesNotMatch(
        out.replace(/^.*#token=.*$/mg, "").replace(/^Module token:.*$/m, ""),
        new RegExp(token),
      );
    } finally {
      await server.kill();
      await backend.dispose();
    }
  },
);

Deno.test(
  { name: "AUTH_SECRET shorter than 32 characters stops the start, naming it", ...opts },
  async () => {
    const { code, stderr } = await runMain({
      SQLITE_PATH: "/tmp/never.sqlite",
      AUTH_SECRET: "short-secret",
    });
    assert.equal(code, 2, stderr);
    assert.match(stderr, /AUTH_SECRET: has 12 characters; at least 32 are required/);
    assert.doesNotMatch(stderr, /short-secret/, "the secret itself is not echoed");
  },
);

Deno.test(
  {
    name: "development mode listens on 127.0.0.1 only, prints an admin link, logs no token",
    ...opts,
  },
  async () => {
    const backend = await SQLITE.create();
    // WEBSOCKET_HOST empty: the default applies (startServer would set 127.0.0.1 itself).
    const server = await startServer({
      ...backend.env,
      AUTH_SECRET: "",
      WEBSOCKET_HOST: "",
      LOG_LEVEL: "info",
    });
    try {
      assert.ok(await accepts("127.0.0.1", server.port));
      assert.equal(await accepts("127.0.0.2", server.port), false, "reachable beyond 127.0.0.1");
      const out = server.output();
      assert.match(out, /DEVELOPMENT MODE/);
      assert.match(out, /listens on 127\.0\.0\.1 only/);
      assert.match(out, /Tokens for more people: set AUTH_SECRET/);
      assert.match(out, /deno task token --sub alice --role operator --ttl 8h --link/);
      const admin = /\/dashboard#token=([A-Za-z0-9_.-]+)/.exec(out)?.[1];
      assert.ok(admin, out);
      const stats = await fetch(`${server.url}/stats`, {
        headers: { authorization: `Bearer ${admin}` },
      });
      assert.equal(stats.status, 200, "the banner's admin token opens /stats");
      await stats.body?.cancel();
      const tokens = [...out.matchAll(/eyJ[A-Za-z0-9_.-]+/g)].map((m) => m[0]);
      assert.equal(tokens.length, 3, "operator, admin and module tokens in the banner");
      const logLines = out.split("\n").filter((l) => l.startsWith("{"));
      const warning = logLines.find((l) => /development mode/.test(l));
      assert.ok(warning, out);
      assert.equal(JSON.parse(warning).level, "warn");
      for (const line of logLines) {
        for (const token of tokens) assert.ok(!line.includes(token), `a token in the log: ${line}`);
      }
    } finally {
      await server.kill();
      await backend.dispose();
    }
  },
);

Deno.test(
  { name: "development mode with WEBSOCKET_HOST=0.0.0.0 listens beyond loopback", ...opts },
  async () => {
    const backend = await SQLITE.create();
    const server = await startServer({
      ...backend.env,
      AUTH_SECRET: "",
      WEBSOCKET_HOST: "0.0.0.0",
      LOG_LEVEL: "info",
    });
    try {
      assert.ok(await accepts("127.0.0.2", server.port));
      const res = await fetch(`http://127.0.0.2:${server.port}/healthz`);
      assert.equal(res.status, 200);
      await res.body?.cancel();
      assert.match(server.output(), /listens on 0\.0\.0\.0 because WEBSOCKET_HOST says so/);
    } finally {
      await server.kill();
      await backend.dispose();
    }
  },
);

Deno.test(
  {
    name: "deno task start with SQLITE_PATH outside data/ stops at once, exit 2, naming it",
    ...opts,
  },
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "hub-sqlite-" });
    const path = `${dir}/nested/hub.sqlite`;
    const env = {
      WEBSOCKET_PORT: String(freePort()),
      AUTH_SECRET: TEST_SECRET,
      SQLITE_PATH: path,
      LOG_LEVEL: "info",
    };
    try {
      // The task itself, as a user would run it.
      const task = await runMain(env, ["task", "start"]);
      assert.equal(task.code, 2, task.stderr);
      assert.match(
        task.stderr,
        /SQLITE_PATH: '[^']*hub\.sqlite' is in .*nested, which this process/,
      );
      assert.ok(task.stderr.includes(`--allow-write=${dir}/nested`), task.stderr);
      assert.doesNotMatch(task.stderr, /waiting for the database/);
      console.log(
        `SQLITE_PATH outside data/: deno task start exited ${task.code} after ${task.ms} ms`,
      );
      assert.ok(task.ms < 30_000, `took ${task.ms} ms`);
      // The advice works: the task's own line with the flag it names.
      const port = freePort();
      const child = new Deno.Command(Deno.execPath(), {
        args: await taskStartArgs([`--allow-write=data,${dir}/nested`]),
        cwd: ROOT,
        env: { ...env, WEBSOCKET_PORT: String(port), WEBSOCKET_HOST: "127.0.0.1" },
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      try {
        let status = 0;
        for (let i = 0; i < 300 && status !== 200; i++) {
          await new Promise((r) => setTimeout(r, 100));
          status = await fetch(`http://127.0.0.1:${port}/readyz`).then(async (r) => {
            await r.body?.cancel();
            return r.status;
          }, () => 0);
        }
        assert.equal(status, 200, "ready with the flag the message names");
        assert.ok((await Deno.stat(path)).isFile);
      } finally {
        child.kill("SIGTERM");
        await child.status;
        await child.stderr.cancel().catch(() => {});
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test(
  { name: "start-up failures that never heal exit 2 at once instead of retrying", ...opts },
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "hub-bad-" });
    try {
      await Deno.writeTextFile(`${dir}/plain-file`, "not a directory");
      await Deno.writeTextFile(`${dir}/garbage.sqlite`, "this is no SQLite database ".repeat(200));
      await Deno.mkdir(`${dir}/a-directory.sqlite`);
      const cases: Array<[Record<string, string>, RegExp]> = [
        [{ SQLITE_PATH: `${dir}/a-directory.sqlite` }, /SQLITE_PATH: .* is a directory/],
        [{ SQLITE_PATH: `${dir}/plain-file/hub.sqlite` }, /SQLITE_PATH: .*plain-file is not a dir/],
        [{ SQLITE_PATH: `${dir}/garbage.sqlite` }, /SQLITE_PATH: .*file is not a database/],
      ];
      if (MARIADB.available) {
        cases.push([
          { MYSQL_HOST: "127.0.0.1", MYSQL_USER: "no_such_user_7", MYSQL_PASSWORD: "wrong" },
          /MYSQL_USER: MySQL refused 'no_such_user_7'/,
        ]);
      }
      for (const [env, message] of cases) {
        const run = await runMain({ AUTH_SECRET: TEST_SECRET, ...env });
        assert.equal(run.code, 2, `${JSON.stringify(env)}: ${run.stderr}`);
        assert.match(run.stderr, message);
        assert.ok(run.ms < 30_000, `${JSON.stringify(env)} took ${run.ms} ms`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test(
  { name: "SSL_CERT_FILE alone (a CA bundle) serves plain HTTP and says why", ...opts },
  async () => {
    const backend = await SQLITE.create();
    const server = await startServer({
      ...backend.env,
      SSL_CERT_FILE: "/etc/ssl/certs/ca-certificates.crt",
      SSL_KEY_FILE: "",
      LOG_LEVEL: "info",
    });
    try {
      const res = await fetch(`${server.url}/healthz`);
      assert.equal(res.status, 200);
      await res.body?.cancel();
      assert.match(server.output(), /SSL_CERT_FILE is set without SSL_KEY_FILE/);
    } finally {
      await server.kill();
      await backend.dispose();
    }
  },
);

Deno.test(
  { name: "TLS: a wss:// client trusting a self-signed certificate", ...opts },
  async () => {
    const dir = await Deno.makeTempDir();
    const backend = await SQLITE.create();
    const ca = `${dir}/ca.pem`, cert = `${dir}/cert.pem`, key = `${dir}/key.pem`;
    await Deno.writeTextFile(
      `${dir}/leaf.ext`,
      "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    );
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    for (
      const args of [
        [
          "req",
          "-x509",
          ...ec,
          "-keyout",
          `${dir}/ca.key`,
          "-out",
          ca,
          "-days",
          "1",
          "-subj",
          "/CN=test CA",
        ],
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
      ]
    ) {
      const gen = await new Deno.Command("openssl", { args, stdout: "null", stderr: "piped" })
        .output();
      assert.equal(gen.code, 0, new TextDecoder().decode(gen.stderr));
    }
    const server = await startServer({ ...backend.env, SSL_CERT_FILE: cert, SSL_KEY_FILE: key });
    try {
      // A separate Deno process trusts the certificate through DENO_CERT and
      // speaks the protocol over wss://.
      const script = `
      const { TestClient } = await import(${
        JSON.stringify(new URL("../_support/ws_client.ts", import.meta.url).href)
      });
      const { mintToken } = await import(${
        JSON.stringify(new URL("../_support/server.ts", import.meta.url).href)
      });
      for (let i = 0; i < 100; i++) {
        try { const r = await fetch("${server.url}/healthz"); await r.body?.cancel(); break; }
        catch { await new Promise((r) => setTimeout(r, 100)); }
      }
      const c = await TestClient.open("${server.wsUrl}");
      const w = await c.hello(await mintToken("tls", "operator"));
      console.log(JSON.stringify({ role: w.role, user: w.user }));
      await c.close();
    `;
      const run = await new Deno.Command(Deno.execPath(), {
        args: ["eval", "--ext=ts", script],
        cwd: ROOT,
        env: { DENO_CERT: ca },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(run.stdout);
      assert.equal(run.code, 0, new TextDecoder().decode(run.stderr) + server.output());
      assert.deepEqual(JSON.parse(stdout.trim().split("\n").at(-1)!), {
        role: "operator",
        user: "tls",
      });
      // Without trusting it, the connection is refused.
      await assert.rejects(fetch(`${server.url}/healthz`));
    } finally {
      await server.kill();
      await backend.dispose();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test(
  { name: "issue 13: AUTH_SECRET of 32 spaces stops the start with exit 2, naming it", ...opts },
  async () => {
    const { code, stderr } = await runMain({
      SQLITE_PATH: "/tmp/never.sqlite",
      AUTH_SECRET: " ".repeat(32),
    });
    assert.equal(code, 2, stderr);
    assert.match(stderr, /AUTH_SECRET: is blank/);
  },
);
