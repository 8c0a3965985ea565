/**
 * Starting the server: bad configuration stops it with a message naming the
 * variable; development mode prints a working operator link; SSL_CERT_FILE
 * alone (the CA bundle many hosts export) serves plain HTTP; both files serve
 * TLS, checked with a `wss://` client trusting a certificate made here.
 */
import assert from "node:assert/strict";
import { freePort, serverArgs, startServer } from "../_support/server.ts";
import { TestClient } from "../_support/ws_client.ts";
import { SQLITE } from "./backends.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const ROOT = new URL("../../", import.meta.url).pathname;

async function runMain(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const fullEnv = { WEBSOCKET_PORT: String(freePort()), WEBSOCKET_HOST: "127.0.0.1", ...env };
  const out = await new Deno.Command(Deno.execPath(), {
    args: serverArgs(fullEnv),
    cwd: ROOT,
    env: fullEnv,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
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
        out.replace(/^.*#token=.*$/m, "").replace(/^Module token:.*$/m, ""),
        new RegExp(token),
      );
    } finally {
      await server.kill();
      await backend.dispose();
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
