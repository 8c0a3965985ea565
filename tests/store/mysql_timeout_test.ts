/**
 * Issue 7, row 9, at the store: a hung MariaDB (a private server stopped with
 * SIGSTOP: the kernel still accepts connections, nothing answers). Every
 * `Store` operation — on a pooled connection that was idle, on one the pool
 * must open, and with more callers than the pool has connections — fails
 * with `StoreUnavailableError` within `timeoutMs` (`DB_TIMEOUT_MS`) plus
 * slack; so does `init` of a new store. After SIGCONT the same store works
 * again by itself.
 */
import assert from "node:assert/strict";
import { asResponseId, asSeq } from "../../src/protocol/types.ts";
import { MysqlStore } from "../../src/store/mysql_store.ts";
import type { Store } from "../../src/store/store.ts";
import { StoreUnavailableError } from "../../src/store/store.ts";
import { REQUIRE_SERVICES } from "../_support/services.ts";
import {
  HAVE_MARIADB_BINARIES as HAVE_MARIADB,
  privateMariadb,
} from "../_support/private_services.ts";
import { rawConnection } from "./_fixtures.ts";
import { build } from "./build.ts";

const ignore = !HAVE_MARIADB && !REQUIRE_SERVICES;
if (ignore) console.warn("MariaDB binaries are not installed: the timeout tests are IGNORED");

const TIMEOUT_MS = 1000;
/** Timers, the event loop and a loaded machine: what a bound may overrun by. */
const SLACK_MS = 1000;

/** Every operation of the `Store` interface, as the hung database sees it. */
const OPERATIONS: ReadonlyArray<readonly [string, (s: Store, id: number) => Promise<unknown>]> = [
  ["ping", (s) => s.ping()],
  ["head", (s) => s.head()],
  ["readSince", (s) => s.readSince(asSeq(0), 10)],
  ["oldestSeq", (s) => s.oldestSeq()],
  ["getResponse", (s, id) => s.getResponse(asResponseId(id))],
  ["findAnnouncement", (s, id) => s.findAnnouncement(asResponseId(id))],
  ["setPostText", (s, id) => s.setPostText(asResponseId(id), "text")],
  ["announce", (s, id) => s.announce(asResponseId(id), build)],
  [
    "decide",
    (s, id) =>
      s.decide({ responseId: asResponseId(id), decision: "approved", by: "a", at: new Date() }),
  ],
  ["snapshot", (s) => s.snapshot()],
  ["prune", (s) => s.prune(new Date(0))],
];

async function timed(work: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now();
  try {
    await work;
    return { ms: performance.now() - started, error: null };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

function assertUnavailableInTime(what: string, r: { ms: number; error: unknown }): void {
  assert.ok(
    r.error instanceof StoreUnavailableError,
    `${what}: expected StoreUnavailableError, got ${r.error}`,
  );
  assert.ok(r.ms < TIMEOUT_MS + SLACK_MS, `${what} took ${r.ms.toFixed(0)} ms`);
}

Deno.test({
  name: "mysql store: a hung MariaDB gets StoreUnavailableError within timeoutMs, then recovers",
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await privateMariadb();
    const target = { dialect: "mysql", database: "wstimeout" } as const;
    const store = new MysqlStore({
      ...server.settings,
      database: target.database,
      timeoutMs: TIMEOUT_MS,
    });
    const fresh = new MysqlStore({
      ...server.settings,
      database: target.database,
      timeoutMs: TIMEOUT_MS,
    });
    try {
      await server.start();
      await store.init();
      const raw = await rawConnection(target, server.settings);
      const insert = async () =>
        (await raw.exec(
          "INSERT INTO responses (platform, post_url, response_text, created_at) " +
            "VALUES ('vk', 'https://vk.com/wall-1_1', 'text', '2026-01-01 00:00:00.000')",
        )).insertId;
      const ids = [await insert(), await insert()];
      await raw.close();
      // Warm the pool: the hang then meets idle pooled connections first.
      await Promise.all([store.ping(), store.head(), store.snapshot(), store.ping()]);

      await server.pause();
      const figures: string[] = [];
      for (const [name, op] of OPERATIONS) {
        const r = await timed(op(store, ids[0]!));
        assertUnavailableInTime(name, r);
        figures.push(`${name} ${r.ms.toFixed(0)}`);
      }
      // More callers than the pool has connections (10): the wait for one is bounded too.
      const crowd = await Promise.all(
        Array.from(
          { length: 25 },
          (_, i) => timed(OPERATIONS[i % OPERATIONS.length]![1](store, ids[1]!)),
        ),
      );
      crowd.forEach((r, i) => assertUnavailableInTime(`concurrent #${i}`, r));
      // A connection attempt: a new store's init meets a handshake that never comes.
      const init = await timed(fresh.init());
      assertUnavailableInTime("init", init);
      console.log(
        `hung MariaDB, DB_TIMEOUT_MS=${TIMEOUT_MS}: ${figures.join(", ")} ms; 25 concurrent max ` +
          `${Math.max(...crowd.map((r) => r.ms)).toFixed(0)} ms; init ${init.ms.toFixed(0)} ms`,
      );

      server.resume();
      // The same store, no re-init: every operation works again.
      const recovered = await timed((async () => {
        const end = performance.now() + 10_000;
        for (;;) {
          try {
            return await store.ping();
          } catch (e) {
            if (performance.now() > end) throw e;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      })());
      assert.equal(recovered.error, null);
      console.log(`answering again ${recovered.ms.toFixed(0)} ms after SIGCONT`);
      assert.equal((await store.announce(asResponseId(ids[0]!), build)).kind, "appended");
      const decided = await store.decide({
        responseId: asResponseId(ids[0]!),
        decision: "approved",
        by: "anna",
        at: new Date(),
      });
      assert.equal(decided.kind, "appended");
      assert.equal(await store.head(), 2);
      assert.equal((await store.snapshot()).seq, 2);
      await fresh.init();
      assert.equal(await fresh.head(), 2);
    } finally {
      server.resume();
      await store.close();
      await fresh.close();
      await server.remove();
    }
  },
});
