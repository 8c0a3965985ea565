import assert from "node:assert/strict";
import {
  defaultBase,
  mintClaims,
  type MintConfig,
  MintRefusal,
  pageLink,
  parseMintArgs,
  parseTtl,
} from "../../src/people/mint.ts";

const config: MintConfig = {
  authSecret: "s".repeat(32),
  authIssuer: "",
  authAudience: "",
  maxTokenTtlHours: 720,
  host: "0.0.0.0",
  port: 8765,
  tls: null,
};

Deno.test("parseTtl reads minutes, hours and days; refuses anything else", () => {
  assert.equal(parseTtl("90m"), 5400);
  assert.equal(parseTtl("8h"), 28800);
  assert.equal(parseTtl("30d"), 2_592_000);
  for (const bad of ["", "8", "h", "0h", "-1h", "1.5h", "8 hours", "8H", "99999999d"]) {
    assert.throws(() => parseTtl(bad), MintRefusal, bad);
  }
});

Deno.test("parseMintArgs: both spellings, --link with and without a base", () => {
  assert.deepEqual(parseMintArgs(["--sub", "alice", "--role", "operator", "--ttl", "90m"]), {
    sub: "alice",
    role: "operator",
    ttlSeconds: 5400,
    link: null,
    help: false,
  });
  const r = parseMintArgs(["--sub=bob", "--role=admin", "--link"]);
  assert.equal(r.sub, "bob");
  assert.equal(r.ttlSeconds, 8 * 3600, "8h by default");
  assert.equal(r.link, "");
  assert.equal(
    parseMintArgs(["--link", "https://hub.example", "--sub", "a", "--role", "admin"]).link,
    "https://hub.example",
  );
  assert.equal(parseMintArgs(["--help"]).help, true);
});

Deno.test("parseMintArgs refuses with a message naming the problem", () => {
  const cases: [string[], RegExp][] = [
    [["--role", "operator"], /--sub <user> is required/],
    [["--sub", "", "--role", "operator"], /--sub must be 1–255 characters \(got 0\)/],
    [["--sub", "x".repeat(256), "--role", "operator"], /1–255 characters \(got 256\)/],
    [["--sub", "a"], /--role operator\|admin\|module is required/],
    [["--sub", "a", "--role", "root"], /--role 'root' is not one of operator, admin, module/],
    [["--sub", "a", "--role", "operator", "--ttl", "8x"], /--ttl '8x' is not a lifetime/],
    [["--sub", "a", "--role", "operator", "--ttl"], /--ttl needs a value/],
    [["--sub", "a", "--role", "module", "--link"], /--link is for operator and admin/],
    [["--sub", "a", "--role", "operator", "--bogus"], /unknown argument '--bogus'/],
  ];
  for (const [args, want] of cases) {
    assert.throws(
      () => parseMintArgs(args),
      (e) => e instanceof MintRefusal && want.test(e.message),
      args.join(" "),
    );
  }
});

Deno.test("mintClaims: iat and a random jti always, iss/aud when configured, limits", () => {
  const req = parseMintArgs(["--sub", "alice", "--role", "operator", "--ttl", "8h"]);
  const plain = mintClaims(req, config, 1_800_000_000_500, () => "id-1");
  assert.deepEqual(plain, {
    sub: "alice",
    role: "operator",
    iat: 1_800_000_000,
    exp: 1_800_000_000 + 8 * 3600,
    jti: "id-1",
  });
  const both = mintClaims(req, { ...config, authIssuer: "me", authAudience: "hub" }, 0);
  assert.equal(both.iss, "me");
  assert.equal(both.aud, "hub");
  assert.match(both.jti, /^[0-9a-f-]{36}$/);
  assert.throws(
    () => mintClaims(req, { ...config, authSecret: "" }, 0),
    /AUTH_SECRET is not set \(development mode\)/,
  );
  assert.throws(
    () => mintClaims(req, { ...config, maxTokenTtlHours: 4 }, 0),
    /past MAX_TOKEN_TTL_HOURS \(4 h\)/,
  );
});

Deno.test("pageLink: the page for an operator, the dashboard for an admin, the configured base", () => {
  assert.equal(pageLink("T", "operator", "", config), "http://localhost:8765/#token=T");
  assert.equal(
    pageLink("T", "admin", "https://hub.example/", config),
    "https://hub.example/dashboard#token=T",
  );
  assert.equal(
    defaultBase({ host: "10.0.0.5", port: 443, tls: { certFile: "c", keyFile: "k" } }),
    "https://10.0.0.5:443",
  );
  assert.equal(defaultBase({ host: "::1", port: 1, tls: null }), "http://[::1]:1");
  assert.throws(() => pageLink("T", "operator", "ftp://x", config), MintRefusal);
  assert.throws(() => pageLink("T", "operator", "not a url", config), MintRefusal);
});
