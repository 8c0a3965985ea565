import assert from "node:assert/strict";
import { ConfigError, parseConfig, parseDotenv } from "../src/config.ts";

Deno.test("defaults are the contract's", () => {
  const c = parseConfig({ AUTH_SECRET: "0123456789abcdef".repeat(2) });
  assert.equal(c.host, "0.0.0.0");
  assert.equal(c.port, 8765);
  assert.equal(c.mysql, null);
  assert.equal(c.sqlitePath, "data/wsserver.sqlite");
  assert.equal(c.vk.apiBase, "https://api.vk.com");
  assert.equal(c.vk.version, "5.199");
  assert.equal(c.telegramBase, "https://t.me");
  assert.equal(c.postFetchTimeoutMs, 5000);
  assert.equal(c.heartbeatIntervalMs, 15000);
  assert.equal(c.heartbeatTimeoutMs, 45000);
  assert.equal(c.helloTimeoutMs, 10000);
  assert.equal(c.maxMessageBytes, 65536);
  assert.equal(c.eventRetentionHours, 24);
  assert.equal(c.logLevel, "info");
  assert.equal(c.tls, null);
  assert.equal(c.dbTimeoutMs, 5000);
  assert.equal(c.claimLeaseMs, 120_000);
  assert.equal(c.claimMaxPerUser, 5);
  assert.equal(c.metricsToken, "");
  assert.equal(c.workers, 1);
  assert.ok(Object.isFrozen(c));
});

Deno.test("development mode listens on loopback unless WEBSOCKET_HOST is set", () => {
  assert.equal(parseConfig({}).host, "127.0.0.1");
  assert.equal(parseConfig({ WEBSOCKET_HOST: "0.0.0.0" }).host, "0.0.0.0");
});

Deno.test("an AUTH_SECRET under 32 characters stops the start naming it", () => {
  assert.throws(
    () => parseConfig({ AUTH_SECRET: "short-secret" }),
    (e) => e instanceof ConfigError && e.variable === "AUTH_SECRET" && /32/.test(e.message),
  );
  assert.equal(parseConfig({ AUTH_SECRET: "ab12cd34".repeat(4) }).authSecret, "ab12cd34".repeat(4));
});

Deno.test("issue 13: an AUTH_SECRET of 32 spaces, or with too little variety, stops the start naming it", () => {
  for (const secret of [" ".repeat(32), "\t \n".repeat(12), "y".repeat(32), "abcabc".repeat(6)]) {
    assert.throws(
      () => parseConfig({ AUTH_SECRET: secret }),
      (e) =>
        e instanceof ConfigError && e.variable === "AUTH_SECRET" &&
        e.message.startsWith("AUTH_SECRET"),
      JSON.stringify(secret),
    );
  }
  const hex = "3f9a0c2e7b1d4a86e5c0f2b9d7a31e4c";
  assert.equal(parseConfig({ AUTH_SECRET: hex }).authSecret, hex);
});

Deno.test("WORKERS is a count or auto", () => {
  assert.equal(parseConfig({ WORKERS: "3" }).workers, 3);
  assert.ok(parseConfig({ WORKERS: "auto" }).workers >= 1);
  assert.throws(() => parseConfig({ WORKERS: "0" }), (e) => e instanceof ConfigError);
});

Deno.test("WORKER_INDEX marks a supervised worker; several workers need a fixed port", () => {
  assert.equal(parseConfig({}).workerIndex, null);
  assert.equal(parseConfig({ WORKERS: "2", WORKER_INDEX: "2" }).workerIndex, 2);
  assert.throws(() => parseConfig({ WORKER_INDEX: "0" }), (e) => e instanceof ConfigError);
  assert.throws(
    () => parseConfig({ WORKERS: "2", WEBSOCKET_PORT: "0" }),
    (e) => e instanceof ConfigError && e.variable === "WEBSOCKET_PORT",
  );
  assert.equal(parseConfig({ WORKERS: "1", WEBSOCKET_PORT: "0" }).port, 0);
});

Deno.test("MySQL settings apply when MYSQL_HOST is set", () => {
  const c = parseConfig({ MYSQL_HOST: "db", MYSQL_PASSWORD: "pw" });
  assert.deepEqual(c.mysql, {
    host: "db",
    port: 3306,
    user: "root",
    password: "pw",
    database: "wsserver",
  });
});

Deno.test("TLS needs both files; the CA bundle alone is a note, not an error", () => {
  assert.deepEqual(parseConfig({ SSL_CERT_FILE: "c", SSL_KEY_FILE: "k" }).tls, {
    certFile: "c",
    keyFile: "k",
  });
  const caOnly = parseConfig({ SSL_CERT_FILE: "/etc/ssl/certs/ca-certificates.crt" });
  assert.equal(caOnly.tls, null);
  assert.match(caOnly.tlsNote ?? "", /plain HTTP/);
  assert.throws(() => parseConfig({ SSL_KEY_FILE: "k" }), /SSL_KEY_FILE/);
});

Deno.test("bad values name the variable and what is allowed", () => {
  const bad: Array<[Record<string, string>, string]> = [
    [{ WEBSOCKET_PORT: "x" }, "WEBSOCKET_PORT"],
    [{ WEBSOCKET_PORT: "70000" }, "WEBSOCKET_PORT"],
    [{ MYSQL_HOST: "h", MYSQL_PORT: "0" }, "MYSQL_PORT"],
    [{ POST_FETCH_TIMEOUT_MS: "1.5" }, "POST_FETCH_TIMEOUT_MS"],
    [{ HEARTBEAT_TIMEOUT_MS: "100" }, "HEARTBEAT_TIMEOUT_MS"],
    [{ HEARTBEAT_INTERVAL_MS: "20000", HEARTBEAT_TIMEOUT_MS: "20000" }, "HEARTBEAT_TIMEOUT_MS"],
    [{ EVENT_RETENTION_HOURS: "-1" }, "EVENT_RETENTION_HOURS"],
    [{ EVENT_RETENTION_HOURS: "forever" }, "EVENT_RETENTION_HOURS"],
    [{ LOG_LEVEL: "trace" }, "LOG_LEVEL"],
    [{ VK_API_BASE: "ftp://x" }, "VK_API_BASE"],
    [{ TELEGRAM_BASE: "not a url" }, "TELEGRAM_BASE"],
    [{ ALLOWED_ORIGINS: "https://ok.example, javascript:alert(1)" }, "ALLOWED_ORIGINS"],
    [{ MYSQL_HOST: "h", MYSQL_DB: "a`b" }, "MYSQL_DB"],
    [{ CLAIM_MAX_PER_USER: "0" }, "CLAIM_MAX_PER_USER"],
    [{ CLAIM_MAX_PER_USER: "many" }, "CLAIM_MAX_PER_USER"],
  ];
  for (const [env, variable] of bad) {
    assert.throws(
      () => parseConfig(env),
      (e: unknown) =>
        e instanceof ConfigError && e.variable === variable && e.message.startsWith(variable),
      JSON.stringify(env),
    );
  }
});

Deno.test("origins are normalised; trailing slashes dropped from bases", () => {
  const c = parseConfig({
    ALLOWED_ORIGINS: "https://A.example:443/, http://b.example:8080",
    VK_API_BASE: "http://127.0.0.1:9/",
  });
  assert.deepEqual(c.allowedOrigins, ["https://a.example", "http://b.example:8080"]);
  assert.equal(c.vk.apiBase, "http://127.0.0.1:9");
});

Deno.test(".env parsing: comments, quotes, export, inline comments", () => {
  const env = parseDotenv([
    "# comment",
    "",
    "A=1",
    "export B = two ",
    'C="quoted # not a comment"',
    "D='single'",
    "E=value # trailing comment",
    "F=",
    "not a line",
    'G="line\\nbreak"',
  ].join("\n"));
  assert.deepEqual(env, {
    A: "1",
    B: "two",
    C: "quoted # not a comment",
    D: "single",
    E: "value",
    F: "",
    G: "line\nbreak",
  });
});

Deno.test("SLA_MINUTES and ANNOUNCE_SCAN_MS (v1.2): defaults, 0 turns the scan off, bad values name the variable", () => {
  const c = parseConfig({});
  assert.equal(c.slaMinutes, 15);
  assert.equal(c.announceScanMs, 5000);
  assert.equal(parseConfig({ ANNOUNCE_SCAN_MS: "0" }).announceScanMs, 0);
  assert.equal(parseConfig({ SLA_MINUTES: "0.5" }).slaMinutes, 0.5);
  for (
    const [name, value] of [["SLA_MINUTES", "0"], ["SLA_MINUTES", "soon"], [
      "ANNOUNCE_SCAN_MS",
      "-1",
    ]]
  ) {
    assert.throws(
      () => parseConfig({ [name!]: value! }),
      (e) => e instanceof ConfigError && e.variable === name,
      `${name}=${value}`,
    );
  }
});

Deno.test("v1.2 publication settings: defaults, values, and a bad value naming its variable", () => {
  assert.deepEqual(parseConfig({}).publication, {
    undoWindowMs: 10_000,
    leaseMs: 60_000,
    retryBaseMs: 30_000,
    maxAttempts: 5,
  });
  assert.deepEqual(
    parseConfig({
      UNDO_WINDOW_MS: "0",
      PUBLISH_LEASE_MS: "1500",
      PUBLISH_RETRY_BASE_MS: "200",
      PUBLISH_MAX_ATTEMPTS: "1",
    }).publication,
    { undoWindowMs: 0, leaseMs: 1500, retryBaseMs: 200, maxAttempts: 1 },
  );
  for (
    const [name, value] of [
      ["UNDO_WINDOW_MS", "-1"],
      ["UNDO_WINDOW_MS", "soon"],
      ["PUBLISH_LEASE_MS", "0"],
      ["PUBLISH_RETRY_BASE_MS", "0"],
      ["PUBLISH_MAX_ATTEMPTS", "0"],
      ["PUBLISH_MAX_ATTEMPTS", "101"],
    ]
  ) {
    assert.throws(
      () => parseConfig({ [name!]: value! }),
      (e: Error) => e.message.startsWith(name!),
    );
  }
});

Deno.test("TRANSPORT_IO is deno unless node or node-listen is asked for", () => {
  assert.equal(parseConfig({}).transportIo, "deno");
  assert.equal(parseConfig({ TRANSPORT_IO: "node" }).transportIo, "node");
  assert.equal(parseConfig({ TRANSPORT_IO: "Node-Listen" }).transportIo, "node-listen");
  assert.throws(() => parseConfig({ TRANSPORT_IO: "uring" }), (e) => e instanceof ConfigError);
});
