/**
 * A running server on a fresh database of one backend, with tokens and
 * clients that are closed afterwards: the setting of the protocol suites.
 * @module
 */
import { mintToken, type RunningServer, startServer } from "../_support/server.ts";
import { TestClient } from "../_support/ws_client.ts";
import type { TestDb } from "../_support/db.ts";
import type { BackendKind } from "./backends.ts";

/** What a protocol suite's steps get. */
export interface ProtocolFixture {
  readonly server: RunningServer;
  readonly db: TestDb;
  /** Tokens: alice and bob (operators), writer (module). */
  readonly operatorToken: string;
  readonly bobToken: string;
  readonly moduleToken: string;
  /** Opens a client that is closed when the suite ends. */
  open(): Promise<TestClient>;
}

/**
 * Runs `body` against a server on a fresh database of `kind`, then cleans up.
 * @param kind the backend
 * @param body the suite's steps
 */
export async function withProtocolServer(
  kind: BackendKind,
  body: (f: ProtocolFixture) => Promise<void>,
): Promise<void> {
  const backend = await kind.create();
  const server = await startServer({
    ...backend.env,
    RATE_LIMIT_PER_SEC: "1000",
    RATE_LIMIT_BURST: "1000",
  });
  const db = await backend.open();
  const clients: TestClient[] = [];
  try {
    await body({
      server,
      db,
      operatorToken: await mintToken("alice", "operator"),
      bobToken: await mintToken("bob", "operator"),
      moduleToken: await mintToken("writer", "module"),
      open: async () => {
        const c = await TestClient.open(server.wsUrl);
        clients.push(c);
        return c;
      },
    });
  } finally {
    for (const c of clients) await c.close().catch(() => {});
    await server.kill();
    await db.close();
    await backend.dispose();
  }
}
