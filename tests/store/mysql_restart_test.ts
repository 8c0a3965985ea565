/**
 * A MariaDB restart under a live `MysqlStore`: a private server (own data
 * directory and port, so the shared test server is never disturbed) is
 * stopped and started again; while it is down operations fail with
 * `StoreUnavailableError`, afterwards the same store works again by itself.
 * Ignored when the MariaDB binaries are not installed.
 * @module
 */
import assert from "node:assert/strict";
import { MysqlStore } from "../../src/store/mysql_store.ts";
import { StoreUnavailableError } from "../../src/store/store.ts";
import { asResponseId, asSeq } from "../../src/protocol/types.ts";
import { rawConnection } from "./_fixtures.ts";
import { build } from "./build.ts";
import { HAVE_MARIADB_BINARIES, privateMariadb } from "../_support/private_services.ts";

const HAVE_MARIADB = HAVE_MARIADB_BINARIES;
if (!HAVE_MARIADB) console.warn("MariaDB binaries are not installed: the restart test is IGNORED");

Deno.test({
  name: "mysql store: recovers by itself after MariaDB restarts",
  ignore: !HAVE_MARIADB,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await privateMariadb();
    try {
      await server.start();
      const target = { dialect: "mysql", database: "wsrestart" } as const;
      const settings = { host: "127.0.0.1", port: server.port, user: "root", password: "" };
      const store = new MysqlStore({
        ...settings,
        database: target.database,
        connectTimeoutMs: 1000,
      });
      try {
        await store.init();
        const insert = async () => {
          const raw = await rawConnection(target, settings);
          try {
            return asResponseId(
              (await raw.exec(
                "INSERT INTO responses (platform, post_url, response_text, created_at) " +
                  "VALUES ('vk', 'https://vk.com/wall-1_1', 'text', '2026-01-01 00:00:00.000')",
              )).insertId,
            );
          } finally {
            await raw.close();
          }
        };
        const first = await insert();
        assert.equal((await store.announce(first, build)).kind, "appended");
        await Promise.all([store.head(), store.snapshot(), store.ping()]);

        await server.signal("SIGTERM");
        await assert.rejects(store.head(), StoreUnavailableError);
        await assert.rejects(
          store.decide({ responseId: first, decision: "approved", by: "anna", at: new Date() }),
          StoreUnavailableError,
        );
        await server.start();

        // The same store, no re-init: every kind of operation works again.
        assert.equal(await store.head(), 1);
        const second = await insert();
        const r = await store.decide({
          responseId: second,
          decision: "rejected",
          by: "anna",
          at: new Date(),
        });
        assert.equal(r.kind, "appended");
        assert.equal((await store.snapshot()).seq, 2);
        assert.equal((await store.readSince(asSeq(1), 10)).length, 1);
      } finally {
        await store.close();
      }
    } finally {
      await server.remove();
    }
  },
});
