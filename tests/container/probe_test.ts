/**
 * The container's HEALTHCHECK (ops/container/healthcheck.ts) and the outside
 * probe ops/container/test.sh uses (ops/container/probe.ts), against a real
 * server process: each must say yes to a live server and no to a silent port,
 * or the container test's "healthy" and "WELCOME" would mean nothing.
 * @module
 */
import assert from "node:assert/strict";
import { probe } from "../../ops/container/healthcheck.ts";
import { hello, waitReady } from "../../ops/container/probe.ts";
import { freePort, mintToken, startServer } from "../_support/server.ts";
import { freshSqlitePath } from "../_support/services.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The Dockerfile's HEALTHCHECK command, run here: its own deno flags on ops/container/healthcheck.ts. */
async function dockerHealthcheck(env: Record<string, string>): Promise<number> {
  const dockerfile = await Deno.readTextFile(`${ROOT}Dockerfile`);
  const m = /^HEALTHCHECK [^\n]*\\\n\s*CMD (\[.*\])$/m.exec(dockerfile);
  assert.ok(m, "no exec-form HEALTHCHECK CMD in the Dockerfile");
  const [exe, ...args] = JSON.parse(m[1]!) as string[];
  assert.equal(exe, "deno");
  const script = args.findIndex((a) => a.endsWith("/ops/container/healthcheck.ts"));
  assert.ok(script > 0, "the HEALTHCHECK does not run ops/container/healthcheck.ts");
  args[script] = `${ROOT}ops/container/healthcheck.ts`;
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "/", ...env },
    stdout: "null",
    stderr: "null",
  }).output();
  return out.code;
}

/** A self-signed certificate for localhost (the server cares not who signed it). */
async function selfSigned(dir: string): Promise<{ cert: string; key: string }> {
  const cert = `${dir}/cert.pem`;
  const key = `${dir}/key.pem`;
  const gen = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=hub.example.org",
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(gen.code, 0, new TextDecoder().decode(gen.stderr));
  return { cert, key };
}

Deno.test("the healthcheck and the probe see a live server, its WELCOME and its 1012 on SIGTERM", async () => {
  const db = await freshSqlitePath();
  const server = await startServer({ SQLITE_PATH: db.path });
  try {
    assert.equal(await probe(server.port, "/healthz"), 200);
    assert.equal(await probe(server.port, "/readyz"), 200);
    assert.equal(await probe(server.port, "/no-such-path"), 404);
    assert.equal(await waitReady(server.url, Date.now() + 5000), true);

    const { welcome, closed } = await hello(
      server.wsUrl,
      await mintToken("probe-test", "operator"),
      5000,
    );
    assert.equal(welcome.type, "WELCOME");
    assert.equal(welcome.role, "operator");
    assert.equal(welcome.user, "probe-test");
    assert.equal(await server.stop("SIGTERM"), 0);
    assert.equal(await closed, 1012);
  } finally {
    await server.kill();
    await db.remove();
  }
});

Deno.test("the healthcheck and the probe say no when nothing answers", async () => {
  const port = freePort();
  assert.equal(await probe(port, "/healthz"), 0);
  assert.equal(await waitReady(`http://127.0.0.1:${port}`, Date.now() + 300), false);
});

Deno.test("the probe rejects a token the server refuses", async () => {
  const db = await freshSqlitePath();
  const server = await startServer({ SQLITE_PATH: db.path });
  try {
    const forged = await mintToken("intruder", "operator", {
      secret: "another-secret-of-at-least-32-characters!",
    });
    await assert.rejects(() => hello(server.wsUrl, forged, 5000), /expected WELCOME/);
  } finally {
    await server.kill();
    await db.remove();
  }
});

Deno.test("the Dockerfile's HEALTHCHECK command says healthy over http and https, unhealthy when nothing answers", async () => {
  const db = await freshSqlitePath();
  const dir = await Deno.makeTempDir({ prefix: "hc_tls_" });
  const plain = await startServer({ SQLITE_PATH: db.path });
  try {
    assert.equal(await dockerHealthcheck({ WEBSOCKET_PORT: String(plain.port) }), 0);
  } finally {
    await plain.kill();
  }
  const { cert, key } = await selfSigned(dir);
  const tls = await startServer({ SQLITE_PATH: db.path, SSL_CERT_FILE: cert, SSL_KEY_FILE: key });
  try {
    // The server's certificate names another host and nobody trusts its signer: still healthy.
    let code = 1;
    for (let i = 0; i < 100 && code !== 0; i++) {
      code = await dockerHealthcheck({
        WEBSOCKET_PORT: String(tls.port),
        SSL_CERT_FILE: cert,
        SSL_KEY_FILE: key,
      });
      if (code !== 0) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(code, 0, tls.output());
    // Asked over http, a TLS server does not answer 200.
    assert.equal(await dockerHealthcheck({ WEBSOCKET_PORT: String(tls.port) }), 1);
  } finally {
    await tls.kill();
    await db.remove();
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal(await dockerHealthcheck({ WEBSOCKET_PORT: String(freePort()) }), 1);
});
