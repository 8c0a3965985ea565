/**
 * The scheduler on fake time against a real (SQLite) store: a window's end
 * becomes `queued` on the first tick at or after it, a wake-up brings the
 * tick forward, a lapsed lease re-queues, and each step is made once
 * however many schedulers share the database.
 */
import assert from "node:assert/strict";
import { FakeClock } from "../_support/fake_clock.ts";
import { SqliteStore } from "../../src/store/sqlite_store.ts";
import { PublicationScheduler } from "../../src/publication/scheduler.ts";
import type { PublicationObserver } from "../../src/publication/deps.ts";
import type { StoredEvent } from "../../src/store/store.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { asResponseId } from "../../src/protocol/types.ts";
import { freshSqlitePath } from "../_support/services.ts";
import { DatabaseSync } from "node:sqlite";

const SETTINGS = { undoWindowMs: 5000, leaseMs: 3000, retryBaseMs: 100, maxAttempts: 2 };

class Counting implements PublicationObserver {
  lapses = 0;
  finals = 0;
  taken() {}
  published() {}
  failed() {
    this.finals++;
  }
  lapsed(n: number) {
    this.lapses += n;
  }
}

async function settle(scheduler: PublicationScheduler) {
  for (let i = 0; i < 5; i++) await scheduler.step();
}

Deno.test("scheduler: windows and leases move on the tick after they pass, once", async () => {
  const file = await freshSqlitePath();
  const clock = new FakeClock(Date.parse("2026-03-04T05:06:00.000Z"));
  const stores = [new SqliteStore({ path: file.path }), new SqliteStore({ path: file.path })];
  for (const s of stores) await s.init();
  const raw = new DatabaseSync(file.path);
  raw.prepare(
    "INSERT INTO responses (platform, post_url, response_text, status, created_at) " +
      "VALUES ('vk', 'https://vk.com/wall-1_1', 'r', 'pending', '2026-03-04 05:00:00.000')",
  ).run();
  raw.close();
  const published: StoredEvent[] = [];
  const observer = new Counting();
  const logger = createLogger("error");
  const schedulers = stores.map((store) =>
    new PublicationScheduler({
      store,
      clock,
      logger,
      fanout: { publish: (e) => published.push(e) },
      observer,
      settings: SETTINGS,
      tickMs: 1000,
    })
  );
  try {
    const id = asResponseId(1);
    const at = clock.now();
    await stores[0]!.decide({
      responseId: id,
      decision: "approved",
      by: "alice",
      at: new Date(at),
      undoUntil: new Date(at + SETTINGS.undoWindowMs),
    });
    for (const s of schedulers) s.start();
    await Promise.all(schedulers.map(settle));
    clock.tick(4999);
    await Promise.all(schedulers.map(settle));
    assert.deepEqual(published.map((e) => e.kind), [], "not before the window's end");
    // A wake-up at the window's end: no waiting for the next whole tick.
    schedulers[0]!.wakeAt(at + SETTINGS.undoWindowMs);
    clock.tick(1);
    await Promise.all(schedulers.map(settle));
    assert.deepEqual(published.map((e) => e.kind), ["queued"]);
    clock.tick(3000);
    await Promise.all(schedulers.map(settle));
    assert.equal(published.length, 1, "once across both schedulers");

    const [job] = await stores[1]!.take({
      by: "pub",
      max: 1,
      at: new Date(clock.now()),
      leaseUntil: new Date(clock.now() + SETTINGS.leaseMs),
    });
    assert.equal(job?.attempt, 1);
    clock.tick(SETTINGS.leaseMs);
    await Promise.all(schedulers.map(settle));
    assert.deepEqual(published.map((e) => e.kind), ["queued", "queued"]);
    assert.equal(JSON.parse(published[1]!.frame).maybe_applied, true);
    assert.equal(observer.lapses, 1);
    await stores[0]!.take({
      by: "pub",
      max: 1,
      at: new Date(clock.now()),
      leaseUntil: new Date(clock.now() + SETTINGS.leaseMs),
    });
    clock.tick(SETTINGS.leaseMs + 1000);
    await Promise.all(schedulers.map(settle));
    assert.deepEqual(published.map((e) => e.kind), ["queued", "queued", "publish_failed"]);
    assert.equal(JSON.parse(published[2]!.frame).final, true, "the last attempt's lapse is final");
    assert.equal(observer.finals, 1);
  } finally {
    await Promise.all(schedulers.map((s) => s.stop()));
    for (const s of stores) await s.close();
    await file.remove();
  }
});

Deno.test("scheduler: tickMs over a second is refused", () => {
  assert.throws(
    () =>
      new PublicationScheduler({
        store: {} as never,
        clock: new FakeClock(),
        logger: createLogger("error"),
        fanout: { publish() {} },
        observer: new Counting(),
        settings: SETTINGS,
        tickMs: 1001,
      }),
    RangeError,
  );
});
