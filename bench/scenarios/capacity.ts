/**
 * S3: the most clients one server process holds for the hold time with
 * heartbeats running, and how many it closed (4008 in particular).
 * @module
 */
import { sample } from "../lib/proc.ts";
import { type Ctx, idleTokens, sleep, startSession } from "../lib/session.ts";

/** S3's result. */
export interface CapacityResult {
  readonly target: number;
  readonly opened: number;
  readonly failed: number;
  /** Connections still ready at the end of the hold. */
  readonly held: number;
  readonly holdMs: number;
  /** Closes seen by the clients during the hold, by code. */
  readonly closes: Record<string, number>;
  readonly closed4008: number;
  readonly openMs: number;
  readonly serverRssMiB: number;
  /** RSS of the load generator's processes together, MiB (the client's own cost). */
  readonly clientRssMiB: number;
  readonly errors: Record<string, number>;
}

/**
 * Runs S3.
 * @param ctx the context
 * @returns the result
 */
export async function runCapacity(ctx: Ctx): Promise<CapacityResult> {
  const { cfg, lg } = ctx;
  const session = await startSession(ctx, "sqlite");
  try {
    const opened = await lg.openIdle({
      url: session.server.wsBase,
      dialect: ctx.target.dialect,
      total: cfg.capacity,
      tokens: await idleTokens(ctx),
      concurrency: 64,
      timeoutMs: 180_000,
    });
    ctx.log(`  opened ${opened.ok}/${cfg.capacity} in ${opened.ms.toFixed(0)} ms`);
    await lg.all("heartbeat", { paused: false, intervalMs: cfg.hbMs });
    await lg.all("reset");
    await sleep(cfg.capacityHoldMs);
    const status = await lg.status();
    const closes: Record<string, number> = {};
    for (const s of status) {
      for (const [k, v] of Object.entries(s.stats.closes)) closes[k] = (closes[k] ?? 0) + v;
    }
    return {
      target: cfg.capacity,
      opened: opened.ok,
      failed: opened.fail,
      held: status.reduce((s, w) => s + w.ready, 0),
      holdMs: cfg.capacityHoldMs,
      closes,
      closed4008: closes["4008"] ?? 0,
      openMs: opened.ms,
      serverRssMiB: Math.round((await sample(lg, session.server.pid)).rssKiB / 1024),
      clientRssMiB: status.reduce((s, w) => s + w.rssMB, 0),
      errors: opened.errors,
    };
  } finally {
    await lg.closeAll();
    await session.close();
  }
}
