/**
 * Support for SDK tests against the real server: a server on a fresh
 * database that never calls VK/Telegram, and waiting for a client to reach
 * a position (an awaited condition, never a sleep).
 * @module
 */
import type { TestDb } from "../_support/db.ts";
import { type RunningServer, startServer } from "../_support/server.ts";
import { type Backend, type BackendKind, SQLITE } from "../integration/backends.ts";
import type { ReviewClient } from "../../web/sdk/mod.ts";

/** Keeps the server off the network: no VK token, Telegram on a closed local port. */
export const OFFLINE_ENV: Readonly<Record<string, string>> = {
  VK_API_TOKEN: "",
  VK_API_BASE: "http://127.0.0.1:9",
  TELEGRAM_BASE: "http://127.0.0.1:9",
  RATE_LIMIT_PER_SEC: "1000",
  RATE_LIMIT_BURST: "1000",
};

/** A server on its own database, with direct access to that database. */
export interface Hub {
  server: RunningServer;
  readonly backend: Backend;
  readonly db: TestDb;
  /** The configuration the server runs with. */
  readonly env: Readonly<Record<string, string>>;
  /** Starts another server process on the same database, on another port. */
  sibling(): Promise<RunningServer>;
  /** Starts the server again on the same port and database (after a kill). */
  restart(): Promise<RunningServer>;
  /** Stops the server and removes the database. */
  dispose(): Promise<void>;
}

/**
 * Starts a server on a fresh database.
 * @param kind SQLite (default) or MariaDB
 * @param env extra configuration
 * @returns the hub
 */
export async function startHub(
  kind: BackendKind = SQLITE,
  env: Record<string, string> = {},
): Promise<Hub> {
  const backend = await kind.create();
  const fullEnv = { ...OFFLINE_ENV, ...backend.env, ...env };
  const server = await startServer(fullEnv);
  const db = await backend.open();
  const hub: Hub = {
    server,
    backend,
    db,
    env: fullEnv,
    sibling: () => startServer({ ...fullEnv }),
    async restart() {
      hub.server = await startServer({ ...fullEnv, WEBSOCKET_PORT: String(server.port) });
      return hub.server;
    },
    async dispose() {
      await hub.server.stop().catch(() => 0);
      await db.close().catch(() => {});
      await backend.dispose();
    },
  };
  return hub;
}

/**
 * Resolves once the client has applied every event up to `seq`.
 * @param client the client
 * @param seq the position to reach
 * @param timeoutMs how long to wait before failing
 * @returns when reached
 * @throws {Error} after the timeout, with the client's position and state
 */
export function reach(client: ReviewClient, seq: number, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const offs: Array<() => void> = [];
    const done = (error?: Error) => {
      offs.forEach((off) => off());
      clearTimeout(timer);
      error ? reject(error) : resolve();
    };
    const check = () => {
      if ((client.position?.seq ?? -1) >= seq) done();
    };
    const timer = setTimeout(
      () =>
        done(
          new Error(
            `client stayed at ${JSON.stringify(client.position)} (${client.state}), wanted ${seq}`,
          ),
        ),
      timeoutMs,
    );
    const kinds = [
      "pending",
      "approved",
      "rejected",
      "claimed",
      "released",
      "snapshot",
      "synced",
    ] as const;
    for (const kind of kinds) {
      offs.push(client.on(kind, check));
    }
    check();
  });
}

/**
 * Records the `seq` of every event a client delivers.
 * @param client the client
 * @returns the list, growing as events arrive
 */
export function recordSeqs(client: ReviewClient): number[] {
  const seqs: number[] = [];
  client.on("pending", (e) => seqs.push(e.seq));
  client.on("approved", (e) => seqs.push(e.seq));
  client.on("rejected", (e) => seqs.push(e.seq));
  return seqs;
}

/**
 * Resolves when the client reaches a state.
 * @param client the client
 * @param kind the state's name
 * @returns when reached
 */
export function inState(client: ReviewClient, kind: ReviewClient["state"]): Promise<void> {
  if (client.state === kind) return Promise.resolve();
  return client.once("state", (s) => s.kind === kind).then(() => {});
}
