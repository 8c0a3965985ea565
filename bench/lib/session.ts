/**
 * What every scenario shares: the configuration, the load generator, the
 * server under test, and a way to start it fresh (with a fresh database for
 * ours).
 * @module
 */
import type { BenchConfig } from "./config.ts";
import { mysqlRows, type Rows, sqliteRows, tokens } from "./hub.ts";
import type { LoadGen } from "./loadgen.ts";
import type { ServerProc, Target } from "./servers.ts";

/** The context of one target's scenarios. */
export interface Ctx {
  readonly cfg: BenchConfig;
  readonly lg: LoadGen;
  readonly target: Target;
  /** Whether MariaDB answers. */
  readonly mysql: boolean;
  /** Progress output. */
  log(msg: string): void;
}

/** A server started for one scenario, with its database. */
export interface Session {
  readonly server: ServerProc;
  /** Ours only: inserts rows into its database. */
  readonly rows: Rows | null;
  /** Stops the server and drops its database. */
  close(): Promise<void>;
}

/**
 * A free TCP port on 127.0.0.1.
 * @returns the port
 */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * Starts the target on a free port (ours with a fresh database).
 * @param ctx the context
 * @param db which database ours uses
 * @param env extra server environment
 * @returns the session
 */
export async function startSession(
  ctx: Ctx,
  db: "sqlite" | "mysql" = "sqlite",
  env: Record<string, string> = {},
): Promise<Session> {
  const rows = ctx.target.isHub ? (db === "mysql" ? mysqlRows() : await sqliteRows()) : null;
  const server = await ctx.target.start({
    port: freePort(),
    env: { ...rows?.env, ...env },
    cpus: ctx.cfg.cpusServer,
    hbMs: ctx.cfg.hbMs,
  });
  return {
    server,
    rows,
    async close() {
      await server.stop("SIGTERM");
      await rows?.drop();
    },
  };
}

/**
 * Tokens for idle clients: operators for ours, none for peers.
 * @param ctx the context
 * @returns the tokens, or undefined
 */
export async function idleTokens(ctx: Ctx): Promise<string[] | undefined> {
  return ctx.target.isHub ? await tokens("operator", 64) : undefined;
}

/**
 * Opens the special connection (`trigger`, `probe` or `decider`) on worker 0.
 * @param ctx the context
 * @param server where
 * @param role which
 * @param count how many (deciders)
 * @throws {Error} when it cannot open
 */
export async function openSpecial(
  ctx: Ctx,
  server: ServerProc,
  role: "trigger" | "probe" | "decider",
  count = 1,
): Promise<void> {
  const tok = ctx.target.isHub
    ? await tokens(role === "trigger" ? "module" : "operator", count)
    : undefined;
  const r = await ctx.lg.first.call<{ ok: number; fail: number; errors: unknown }>("open", {
    url: server.wsBase,
    dialect: ctx.target.dialect,
    count,
    ips: ["127.0.0.1"],
    tokens: tok,
    role,
    concurrency: count,
    timeoutMs: 30_000,
  });
  if (r.ok !== count) throw new Error(`cannot open ${role}: ${JSON.stringify(r)}`);
}

/** Waits `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
