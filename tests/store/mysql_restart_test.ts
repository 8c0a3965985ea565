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

const MARIADBD = "/usr/sbin/mariadbd";
const INSTALL_DB = "/usr/bin/mariadb-install-db";

function installed(): boolean {
  try {
    return Deno.statSync(MARIADBD).isFile && Deno.statSync(INSTALL_DB).isFile;
  } catch {
    return false;
  }
}
const HAVE_MARIADB = installed();
if (!HAVE_MARIADB) console.warn("MariaDB binaries are not installed: the restart test is IGNORED");

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function waitForPort(port: number, up: boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      if (up) return;
    } catch {
      if (!up) return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} did not go ${up ? "up" : "down"} in ${ms} ms`);
}

/** A private MariaDB server in a temporary directory. */
async function privateServer() {
  const dir = await Deno.makeTempDir({ prefix: "wstest_mariadb_" });
  const port = freePort();
  const cnf = `${dir}/my.cnf`;
  await Deno.writeTextFile(
    cnf,
    [
      "[mariadbd]",
      ...(Deno.uid() === 0 ? ["user=root"] : []),
      `datadir=${dir}/data`,
      `port=${port}`,
      "bind-address=127.0.0.1",
      `socket=${dir}/mysqld.sock`,
      `pid-file=${dir}/mysqld.pid`,
      `log-error=${dir}/error.log`,
      "innodb_buffer_pool_size=16M",
      "skip-log-bin",
      "",
    ].join("\n"),
  );
  const install = await new Deno.Command(INSTALL_DB, {
    args: [`--defaults-file=${cnf}`, "--auth-root-authentication-method=normal", "--skip-test-db"],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!install.success) throw new Error(new TextDecoder().decode(install.stderr));
  let child: Deno.ChildProcess | null = null;
  return {
    port,
    async start() {
      child = new Deno.Command(MARIADBD, {
        args: [`--defaults-file=${cnf}`],
        stdout: "null",
        stderr: "null",
      }).spawn();
      await waitForPort(port, true);
    },
    async stop() {
      child?.kill("SIGTERM");
      await child?.status;
      child = null;
      await waitForPort(port, false);
    },
    async remove() {
      if (child) await this.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

Deno.test({
  name: "mysql store: recovers by itself after MariaDB restarts",
  ignore: !HAVE_MARIADB,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await privateServer();
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

        await server.stop();
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
