/// <reference lib="dom" />
/**
 * `deno task token` as a user runs it (a real process, the task's own
 * permissions from deno.json): a minted token is welcomed by a real server
 * with the claims asked for; every refusal exits 2 with its message; the
 * secret is read from `.env` too; `--link` opens the page (or the
 * dashboard, for an admin) in Chromium as that user.
 * @module
 */
import assert from "node:assert/strict";
import { startServer, TEST_SECRET } from "../_support/server.ts";
import { TestClient } from "../_support/ws_client.ts";
import { launch, watchedPage } from "../web/_browser.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const opts = { sanitizeOps: false, sanitizeResources: false };

/** The environment a user's shell would have, without any AUTH_* of the test runner. */
function baseEnv(): Record<string, string> {
  const keep = ["HOME", "PATH", "DENO_DIR", "XDG_CACHE_HOME", "NPM_CONFIG_REGISTRY"];
  return Object.fromEntries(
    keep.flatMap((k) => (Deno.env.get(k) === undefined ? [] : [[k, Deno.env.get(k)!]])),
  );
}

/**
 * Runs `deno task token` with arguments.
 * @param args the command's arguments
 * @param env variables besides the base ones
 * @param cwd where (the repository by default; `deno task` runs in deno.json's directory)
 * @returns exit code, stdout, stderr
 */
async function tokenTask(
  args: string[],
  env: Record<string, string>,
  cwd = ROOT,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: cwd === ROOT ? ["task", "-q", "token", ...args] : [
      "run",
      "--config",
      `${ROOT}deno.json`,
      "--allow-env",
      "--allow-read=.env",
      `${ROOT}src/people/mint_cli.ts`,
      ...args,
    ],
    cwd,
    env: { ...baseEnv(), ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout).trim(), stderr: dec.decode(out.stderr) };
}

function claimsOf(jwt: string): Record<string, unknown> {
  const part = jwt.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(part + "===".slice((part.length + 3) % 4)));
}

Deno.test("deno task token refuses with exit code 2 and a message", async () => {
  const secret = { AUTH_SECRET: TEST_SECRET };
  const cases: [string[], Record<string, string>, RegExp][] = [
    [["--sub", "alice", "--role", "operator"], {}, /AUTH_SECRET is not set \(development mode\)/],
    [["--sub", "alice", "--role", "root"], secret, /--role 'root' is not one of/],
    [
      ["--sub", "alice", "--role", "operator", "--ttl", "31d"],
      secret,
      /past MAX_TOKEN_TTL_HOURS \(720 h\)/,
    ],
    [
      ["--sub", "alice", "--role", "operator", "--ttl", "3h"],
      { ...secret, MAX_TOKEN_TTL_HOURS: "2" },
      /past MAX_TOKEN_TTL_HOURS \(2 h\)/,
    ],
    [["--sub", "", "--role", "operator"], secret, /--sub must be 1–255 characters/],
    [["--sub", "x".repeat(256), "--role", "operator"], secret, /--sub must be 1–255 characters/],
    [["--sub", "alice", "--role", "operator", "--ttl", "eight"], secret, /not a lifetime/],
    [
      ["--sub", "alice", "--role", "operator"],
      { AUTH_SECRET: "short" },
      /AUTH_SECRET: has 5 characters/,
    ],
  ];
  for (const [args, env, want] of cases) {
    const r = await tokenTask(args, env);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, want);
    assert.equal(r.stdout, "", "nothing on stdout for a refusal");
  }
});

Deno.test(
  "a minted token is welcomed with the claims asked for (iss/aud configured)",
  opts,
  async () => {
    const env = { AUTH_ISSUER: "reviews-app", AUTH_AUDIENCE: "review-hub" };
    const server = await startServer(env);
    try {
      const started = Math.floor(Date.now() / 1000);
      const r = await tokenTask(["--sub", "alice", "--role", "operator", "--ttl", "90m"], {
        AUTH_SECRET: TEST_SECRET,
        ...env,
      });
      assert.equal(r.code, 0, r.stderr);
      const claims = claimsOf(r.stdout);
      assert.equal(claims.sub, "alice");
      assert.equal(claims.role, "operator");
      assert.equal(claims.iss, "reviews-app");
      assert.equal(claims.aud, "review-hub");
      assert.ok(Math.abs((claims.iat as number) - started) <= 5);
      assert.equal((claims.exp as number) - (claims.iat as number), 5400);
      assert.match(String(claims.jti), /^[0-9a-f-]{36}$/);
      const again = await tokenTask(["--sub", "alice", "--role", "operator"], {
        AUTH_SECRET: TEST_SECRET,
        ...env,
      });
      assert.notEqual(claimsOf(again.stdout).jti, claims.jti, "a random jti each time");

      const client = await TestClient.open(server.wsUrl);
      const welcome = await client.hello(r.stdout);
      assert.equal(welcome.user, "alice");
      assert.equal(welcome.role, "operator");
      client.socket.close();
      await client.closed;

      // Without the issuer and audience the server now requires, the token is refused.
      const bare = await tokenTask(["--sub", "alice", "--role", "operator"], {
        AUTH_SECRET: TEST_SECRET,
      });
      const c2 = await TestClient.open(server.wsUrl);
      const reply = await c2.request({ type: "CL", token: bare.stdout });
      assert.equal(reply.code, "unauthorized");
      assert.match(reply.message, /'iss' must be 'reviews-app'/);
      assert.equal((await c2.closed).code, 4001);
    } finally {
      await server.stop();
    }
  },
);

Deno.test("the secret comes from .env in the working directory too", async () => {
  const dir = await Deno.makeTempDir({ prefix: "wstest_token_" });
  try {
    await Deno.writeTextFile(
      `${dir}/.env`,
      `AUTH_SECRET="${TEST_SECRET}"\nAUTH_ISSUER=from-dotenv\n`,
    );
    const r = await tokenTask(["--sub", "carol", "--role", "admin"], {}, dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(claimsOf(r.stdout).iss, "from-dotenv");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--link opens the page as that user, and the dashboard for an admin", opts, async () => {
  const server = await startServer();
  const browser = await launch();
  try {
    const env = {
      AUTH_SECRET: TEST_SECRET,
      WEBSOCKET_HOST: "127.0.0.1",
      WEBSOCKET_PORT: String(server.port),
    };
    const op = await tokenTask(["--sub", "dora", "--role", "operator", "--link"], env);
    assert.equal(op.code, 0, op.stderr);
    assert.match(op.stdout, new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/#token=ey`));
    const page = await watchedPage(browser);
    await page.page.goto(op.stdout);
    await page.page.locator('[data-connection-state="connected"]').waitFor();
    assert.match(await page.page.locator("[data-connection-state]").innerText(), /dora/);

    const ad = await tokenTask(["--sub", "root", "--role", "admin", "--link", server.url], env);
    assert.equal(ad.code, 0, ad.stderr);
    assert.ok(ad.stdout.startsWith(`${server.url}/dashboard#token=`), ad.stdout);
    const dash = await watchedPage(browser);
    await dash.page.goto(ad.stdout);
    await dash.page.locator('[data-dashboard-state="live"]').waitFor();
    await dash.page.locator('#people-body tr[data-person="dora"]').waitFor({ timeout: 10_000 });
    assert.deepEqual(page.errors, []);
    assert.deepEqual(dash.errors, []);
  } finally {
    await browser.close();
    await server.stop();
  }
});
