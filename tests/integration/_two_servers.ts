/**
 * Two server processes on one fresh database of a backend (SQLite file or
 * MariaDB), with clients that are closed afterwards: the setting of the
 * claims, presence and history suites.
 * @module
 */
import { mintToken, type RunningServer, startServer } from "../_support/server.ts";
import { TestClient } from "../_support/ws_client.ts";
import type { TestDb } from "../_support/db.ts";
import type { Role } from "../../src/protocol/types.ts";
import type { BackendKind } from "./backends.ts";

/** What a two-process suite's steps get. */
export interface TwoServers {
  readonly servers: RunningServer[];
  readonly db: TestDb;
  /** Opens a client on server `i`, says `CL` as `user` with `role`, and waits for the WELCOME. */
  connect(i: number, user: string, role?: Role): Promise<TestClient>;
  /** Opens a client on server `i` without saying `CL`. */
  open(i: number): Promise<TestClient>;
}

/**
 * Runs `body` against two servers on a fresh database of `kind`, then cleans up.
 * @param kind the backend
 * @param env extra server environment
 * @param body the suite's steps
 */
export async function withTwoServers(
  kind: BackendKind,
  env: Record<string, string>,
  body: (s: TwoServers) => Promise<void>,
): Promise<void> {
  const backend = await kind.create();
  const full = { ...backend.env, RATE_LIMIT_PER_SEC: "1000", RATE_LIMIT_BURST: "1000", ...env };
  const servers = [await startServer(full), await startServer(full)];
  const db = await backend.open();
  const clients: TestClient[] = [];
  const open = async (i: number) => {
    const c = await TestClient.open(servers[i]!.wsUrl);
    clients.push(c);
    return c;
  };
  try {
    await body({
      servers,
      db,
      open,
      connect: async (i, user, role = "operator") => {
        const c = await open(i);
        await c.hello(await mintToken(user, role));
        return c;
      },
    });
  } finally {
    for (const c of clients) await c.close().catch(() => {});
    for (const s of servers) await s.kill();
    await db.close();
    await backend.dispose();
  }
}
