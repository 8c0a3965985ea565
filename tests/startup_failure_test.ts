/**
 * `permanentFailure`: which start-up errors stop the start (a path or
 * credentials that stay wrong) and which are waited out (a database that does
 * not answer yet, a lock held by another process).
 */
import assert from "node:assert/strict";
import { ConfigError } from "../src/config.ts";
import { permanentFailure } from "../src/startup_failure.ts";
import { StoreUnavailableError } from "../src/store/store.ts";

const SQLITE = { mysql: null, sqlitePath: "/srv/hub/hub.sqlite" };
const MYSQL = {
  mysql: { host: "db", port: 3306, user: "hub", password: "pw", database: "wsserver" },
  sqlitePath: "data/wsserver.sqlite",
};

const driverError = (code: string, message = code) => Object.assign(new Error(message), { code });

Deno.test("permanent: permissions, bad paths, refused credentials name their variable", () => {
  const cases: Array<[unknown, typeof SQLITE | typeof MYSQL, string, RegExp]> = [
    [new Deno.errors.NotCapable("Requires write access"), SQLITE, "SQLITE_PATH", /--allow-write=/],
    [new Deno.errors.PermissionDenied("EACCES"), SQLITE, "SQLITE_PATH", /EACCES/],
    [new Deno.errors.NotADirectory("ENOTDIR"), SQLITE, "SQLITE_PATH", /ENOTDIR/],
    [
      new StoreUnavailableError("SQLite", { cause: new Error("file is not a database") }),
      SQLITE,
      "SQLITE_PATH",
      /not a database/,
    ],
    [
      new StoreUnavailableError("MySQL", { cause: driverError("ER_ACCESS_DENIED_ERROR") }),
      MYSQL,
      "MYSQL_USER",
      /refused 'hub'/,
    ],
    [new Deno.errors.NotCapable("Requires net access"), MYSQL, "MYSQL_HOST", /net access/],
    [new ConfigError("SSL_CERT_FILE", "cannot read"), SQLITE, "SSL_CERT_FILE", /cannot read/],
  ];
  for (const [error, config, variable, message] of cases) {
    const failure = permanentFailure(error, config);
    assert.ok(failure, String(error));
    assert.equal(failure.variable, variable);
    assert.match(failure.message, message);
  }
});

Deno.test("transient: a database that does not answer yet is waited for", () => {
  const cases: Array<[unknown, typeof SQLITE | typeof MYSQL]> = [
    [new StoreUnavailableError("SQLite", { cause: new Error("database is locked") }), SQLITE],
    [new StoreUnavailableError("SQLite: unable to open database file"), SQLITE],
    [new StoreUnavailableError("MySQL", { cause: driverError("ECONNREFUSED") }), MYSQL],
    [driverError("ER_LOCK_WAIT_TIMEOUT"), MYSQL],
    [new Error("timed out waiting for the migration lock"), MYSQL],
  ];
  for (const [error, config] of cases) assert.equal(permanentFailure(error, config), null);
});
