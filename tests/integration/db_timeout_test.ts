/**
 * Issue 7, row 9, end to end: a real server process on a private MariaDB
 * with `DB_TIMEOUT_MS=2000`; the database is hung with SIGSTOP. An `SR` and
 * an `APPROVED` get `ERROR` `unavailable` (retryable) within `DB_TIMEOUT_MS`
 * plus slack, `/readyz` turns 503 naming the database `down` at about that
 * time while `/healthz` stays 200, and after SIGCONT the process is ready
 * again by itself and the same connections are served.
 */
import assert from "node:assert/strict";
import { mintToken, startServer } from "../_support/server.ts";
import { TestClient } from "../_support/ws_client.ts";
import { REQUIRE_SERVICES } from "../_support/services.ts";
import { rawConnection } from "../store/_fixtures.ts";
import {
  HAVE_MARIADB_BINARIES as HAVE_MARIADB,
  privateMariadb,
} from "../_support/private_services.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
/** 2000 keeps the test short; `TEST_DB_TIMEOUT_MS=5000` measures the default. */
const DB_TIMEOUT_MS = Number(Deno.env.get("TEST_DB_TIMEOUT_MS") ?? 2000);
/** Timers, the readiness period (1 s) and a loaded machine. */
const SLACK_MS = 1500;

async function status(url: string): Promise<{ code: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  const text = await res.text();
  return { code: res.status, body: text.startsWith("{") ? JSON.parse(text) : { text } };
}

Deno.test({
  name: "db timeout: a hung MariaDB → SR and APPROVED unavailable within DB_TIMEOUT_MS, " +
    "/readyz 503, recovery by itself after SIGCONT",
  ignore: !HAVE_MARIADB && !REQUIRE_SERVICES,
  ...opts,
}, async () => {
  const mariadb = await privateMariadb();
  await mariadb.start();
  const database = "wsdbtimeout";
  const server = await startServer({
    MYSQL_HOST: "127.0.0.1",
    MYSQL_PORT: String(mariadb.port),
    MYSQL_USER: "root",
    MYSQL_PASSWORD: "",
    MYSQL_DB: database,
    DB_TIMEOUT_MS: String(DB_TIMEOUT_MS),
  });
  const clients: TestClient[] = [];
  try {
    const raw = await rawConnection({ dialect: "mysql", database }, mariadb.settings);
    const insert = async () =>
      (await raw.exec(
        "INSERT INTO responses (platform, post_url, response_text, created_at) " +
          "VALUES ('vk', 'https://vk.com/wall-1_1', 'reply', UTC_TIMESTAMP(3))",
      )).insertId;
    const r1 = await insert();
    const r2 = await insert();
    await raw.close();
    const module = await TestClient.open(server.wsUrl);
    clients.push(module);
    await module.hello(await mintToken("mod", "module"));
    const operator = await TestClient.open(server.wsUrl);
    clients.push(operator);
    await operator.hello(await mintToken("anna", "operator"));
    await operator.nextOf("SNAPSHOT");
    assert.equal((await module.request({ type: "SR", response_id: r1 })).type, "ACK");
    await operator.nextOf("EVENT");

    await mariadb.pause();
    const pausedAt = performance.now();
    const [sr, approved] = await Promise.all([
      module.request({ type: "SR", response_id: r2 }, 30_000).then((f) => ({
        f,
        ms: performance.now() - pausedAt,
      })),
      operator.request({ type: "APPROVED", response_id: r1 }, 30_000).then((f) => ({
        f,
        ms: performance.now() - pausedAt,
      })),
    ]);
    for (const [name, r] of [["SR", sr], ["APPROVED", approved]] as const) {
      assert.deepEqual(
        { type: r.f.type, code: r.f.code, retryable: r.f.retryable },
        { type: "ERROR", code: "unavailable", retryable: true },
        `${name}: ${JSON.stringify(r.f)}`,
      );
      assert.ok(r.ms < DB_TIMEOUT_MS + SLACK_MS, `${name} answered after ${r.ms.toFixed(0)} ms`);
    }
    let ready = await status(`${server.url}/readyz`);
    while (ready.code === 200 && performance.now() - pausedAt < 3 * DB_TIMEOUT_MS + SLACK_MS) {
      await new Promise((r) => setTimeout(r, 100));
      ready = await status(`${server.url}/readyz`);
    }
    const notReadyMs = performance.now() - pausedAt;
    assert.equal(ready.code, 503, JSON.stringify(ready.body));
    assert.deepEqual(
      { database: ready.body.database, broker: ready.body.broker },
      { database: "down", broker: "off" },
    );
    assert.ok(notReadyMs < 2 * DB_TIMEOUT_MS + SLACK_MS, `/readyz 503 after ${notReadyMs} ms`);
    assert.equal((await status(`${server.url}/healthz`)).code, 200);
    // Meanwhile a command is refused at once (the cached readiness), not after another wait.
    const quick = performance.now();
    const refused = await module.request({ type: "SR", response_id: r2 }, 30_000);
    assert.equal(refused.code, "unavailable");
    const quickMs = performance.now() - quick;

    mariadb.resume();
    const resumedAt = performance.now();
    while ((await status(`${server.url}/readyz`)).code !== 200) {
      assert.ok(performance.now() - resumedAt < 15_000, "not ready 15 s after SIGCONT");
      await new Promise((r) => setTimeout(r, 100));
    }
    const readyAgainMs = performance.now() - resumedAt;
    const ack = await module.request({ type: "SR", response_id: r2 });
    assert.equal(ack.type, "ACK", JSON.stringify(ack));
    const decided = await operator.request({ type: "APPROVED", response_id: r1 });
    assert.equal(decided.type, "ACK", JSON.stringify(decided));
    await operator.next((f) => f.type === "EVENT" && f.seq === decided.seq);
    console.log(
      `hung MariaDB, DB_TIMEOUT_MS=${DB_TIMEOUT_MS}: SR unavailable after ${
        sr.ms.toFixed(0)
      } ms, ` +
        `APPROVED after ${approved.ms.toFixed(0)} ms; /readyz 503 after ${
          notReadyMs.toFixed(0)
        } ms; ` +
        `then SR refused in ${quickMs.toFixed(0)} ms; ready ${
          readyAgainMs.toFixed(0)
        } ms after SIGCONT`,
    );
  } finally {
    for (const c of clients) await c.close().catch(() => {});
    mariadb.resume();
    await server.kill();
    await mariadb.remove();
  }
});
