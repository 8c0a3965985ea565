/**
 * `Readiness`: the database decides, the broker is reported and never
 * decides (PROTOCOL §2, §3.3), and `/readyz`'s body always names both.
 */
import assert from "node:assert/strict";
import { Readiness, readyBody } from "../../src/http/readiness.ts";
import { silentLogger } from "../../src/logging/logger.ts";
import { FakeClock } from "../_support/fake_clock.ts";

const ok = () => Promise.resolve();
const down = () => Promise.reject(new Error("refused"));
const hung = () => new Promise<void>(() => {});

Deno.test("readiness: before start it is not ready, the database down, no broker", async () => {
  const r = new Readiness(new FakeClock(), silentLogger);
  assert.deepEqual(readyBody(await r.check()), {
    status: "unavailable",
    database: "down",
    broker: "off",
    reason: "starting",
  });
});

Deno.test("readiness: a down or hung broker is reported and never makes the process unready", async () => {
  for (const broker of [down, hung]) {
    const r = new Readiness(new FakeClock(), silentLogger, 50);
    r.start({ database: ok, broker });
    assert.deepEqual(readyBody(await r.check()), {
      status: "ready",
      database: "ok",
      broker: "down",
    });
    assert.equal(r.isReady(), true);
    r.stop("test over");
  }
});

Deno.test("readiness: the database decides; the broker's state is named either way", async () => {
  let database: () => Promise<void> = down;
  let broker: () => Promise<void> = ok;
  const r = new Readiness(new FakeClock(), silentLogger, 50);
  r.start({ database: () => database(), broker: () => broker() });
  const body = readyBody(await r.check());
  assert.equal(body.status, "unavailable");
  assert.deepEqual({ database: body.database, broker: body.broker }, {
    database: "down",
    broker: "ok",
  });
  assert.match(body.reason ?? "", /^database: refused/);
  database = hung;
  assert.match((await r.check()).ready ? "" : (r.state as { reason: string }).reason, /in time/);
  database = ok;
  broker = down;
  assert.deepEqual(readyBody(await r.check()), { status: "ready", database: "ok", broker: "down" });
  broker = ok;
  assert.deepEqual(readyBody(await r.check()), { status: "ready", database: "ok", broker: "ok" });
  r.stop("stopping");
  assert.deepEqual(readyBody(await r.check()), {
    status: "unavailable",
    database: "ok",
    broker: "ok",
    reason: "stopping",
  });
});

Deno.test("readiness: without a broker it is named off", async () => {
  const r = new Readiness(new FakeClock(), silentLogger, 50);
  r.start({ database: ok, broker: null });
  assert.deepEqual(readyBody(await r.check()), { status: "ready", database: "ok", broker: "off" });
  r.stop("test over");
});
