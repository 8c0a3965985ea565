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
