/**
 * Which real services the tests use, and whether they must be there.
 *
 * `REQUIRE_SERVICES=1` (set by `.ci/run`) turns a missing MariaDB or Redis
 * into a failure; without it, tests that need one are reported as ignored
 * (never silently passed).
 * @module
 */
import mysql from "mysql2/promise";

/** MariaDB/MySQL used by tests (override with TEST_MYSQL_*). */
export const TEST_MYSQL = {
  host: Deno.env.get("TEST_MYSQL_HOST") ?? "127.0.0.1",
  port: Number(Deno.env.get("TEST_MYSQL_PORT") ?? 3306),
  user: Deno.env.get("TEST_MYSQL_USER") ?? "root",
  password: Deno.env.get("TEST_MYSQL_PASSWORD") ?? "",
} as const;

/** Redis used by tests (override with TEST_REDIS_URL). */
export const TEST_REDIS_URL = Deno.env.get("TEST_REDIS_URL") ?? "redis://127.0.0.1:6379";

/** Whether missing services fail the run. */
export const REQUIRE_SERVICES = Deno.env.get("REQUIRE_SERVICES") === "1";

async function tcpOpen(host: string, port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: host, port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

function decide(name: string, up: boolean): boolean {
  if (up) return true;
  if (REQUIRE_SERVICES) {
    throw new Error(`${name} is required (REQUIRE_SERVICES=1) but does not answer`);
  }
  console.warn(`%c${name} is not reachable: its tests are IGNORED`, "color: red");
  return false;
}

/** True when MariaDB answers; throws if it is required and does not. */
export const MYSQL_UP: boolean = decide("MariaDB", await tcpOpen(TEST_MYSQL.host, TEST_MYSQL.port));
/** True when Redis answers; throws if it is required and does not. */
export const REDIS_UP: boolean = decide(
  "Redis",
  await tcpOpen(new URL(TEST_REDIS_URL).hostname, Number(new URL(TEST_REDIS_URL).port || 6379)),
);

/**
 * Makes a fresh, uniquely named MySQL database name for one test; the
 * returned `drop` removes it.
 * @param prefix name prefix
 * @returns the name and a function that drops the database
 */
export function freshMysqlDatabase(prefix = "wstest"): { name: string; drop: () => Promise<void> } {
  const name = `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  return {
    name,
    drop: async () => {
      const conn = await mysql.createConnection({ ...TEST_MYSQL });
      try {
        await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await conn.end();
      }
    },
  };
}

/** A fresh temporary directory for one test's SQLite file. */
export async function freshSqlitePath(): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "wstest_" });
  return {
    path: `${dir}/test.sqlite`,
    remove: () => Deno.remove(dir, { recursive: true }).catch(() => {}),
  };
}
