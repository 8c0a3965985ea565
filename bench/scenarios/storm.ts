/**
 * S4: a reconnect storm. N clients with the protocol's reconnect (full-jitter
 * backoff, resume with `{epoch, last_seq}`); the server is stopped (SIGTERM)
 * and started again on the same port while a module keeps committing events
 * through a second server process on the same MariaDB database (or, without
 * MariaDB, through the restarted server once it is back). Measured: the time
 * from the server answering `/readyz` again to the last client's `WELCOME`,
 * events lost, events received twice, snapshots instead of resumes. Two
 * restarts per run, one per `StormMode`.
 * @module
 */
import { Histogram } from "../lib/histogram.ts";
import type { WorkerStatus } from "../lib/loadgen.ts";
import type { ServerProc } from "../lib/servers.ts";
import {
  type Ctx,
  freePort,
  idleTokens,
  openSpecial,
  sleep,
  startSession,
} from "../lib/session.ts";

/**
 * How clients come back: `backoff` keeps the protocol's backoff running while
 * the server is down (so a client that failed several times waits up to its
 * grown ceiling); `held` starts every client's first try (within 1 s, full
 * jitter) only once the server is back, which isolates the server's side.
 */
export type StormMode = "backoff" | "held";

/** S4's result for one restart. */
export interface StormResult {
  readonly mode: StormMode;
  readonly clients: number;
  /** Server down time: SIGTERM to ready again, ms. */
  readonly downMs: number;
  /** Ready again to the last client ready (WELCOME for ours), ms. */
  readonly allBackMs: number | null;
  /** Ready again to half, and to 90 %, of the clients ready, ms. */
  readonly halfBackMs: number | null;
  readonly p90BackMs: number | null;
  readonly notBack: number;
  /** Clients whose last contiguous seq is below the head at the end. */
  readonly lost: number;
  /** Events received with a seq already seen (the client drops them). */
  readonly duplicatesOnWire: number;
  /** Events delivered twice to the application (after the client's seq check): 0 by construction. */
  readonly duplicatesToApp: number;
  readonly gaps: number;
  readonly resumed: number;
  readonly snapshots: number;
  readonly events: { before: number; whileDown: number; duringStorm: number; head: number };
  /** How events were committed while the server was down. */
  readonly via: string;
  readonly closes: Record<string, number>;
  /** SYNs the kernel dropped because the accept queue was full (TcpExt ListenOverflows). */
  readonly listenOverflows: number;
}

function sum(status: WorkerStatus[], f: (s: WorkerStatus) => number): number {
  return status.reduce((s, w) => s + f(w), 0);
}

/**
 * Runs S4.
 * @param ctx the context
 * @returns the result
 */
export async function runStorm(ctx: Ctx): Promise<StormResult[]> {
  const { cfg, lg, target } = ctx;
  const useMysql = target.isHub && ctx.mysql;
  const session = await startSession(ctx, useMysql ? "mysql" : "sqlite");
  let serverA: ServerProc = session.server;
  let serverB: ServerProc | null = null;
  const emit = async (n: number, gapMs: number): Promise<number> => {
    if (!target.isHub || !session.rows) return 0;
    for (const id of await session.rows.insert(n)) {
      await lg.first.call("trigger", { key: id });
      await sleep(gapMs);
    }
    return n;
  };
  const restart = async (mode: StormMode): Promise<StormResult> => {
    const events = { before: 0, whileDown: 0, duringStorm: 0, head: 0 };
    events.before = await emit(3, 100);
    await sleep(1000);
    await lg.all("reset");
    const listen0 = await listenCounters(ctx);
    await lg.all("hold", { on: mode === "held" });
    const t0 = Date.now();
    await serverA.stop("SIGTERM");
    const back = lg.first.call<{ t: number | null }>("watch", {
      url: `${serverA.httpUrl}${target.isHub ? "/readyz" : "/"}`,
      timeoutMs: 60_000,
    }, 70_000);
    const starting = target.start({
      port: serverA.port,
      env: session.rows?.env ?? {},
      cpus: cfg.cpusServer,
      hbMs: cfg.hbMs,
    });
    if (serverB) events.whileDown = await emit(5, 20);
    serverA = await starting;
    const downMs = Date.now() - t0;
    const tBack = (await back).t;
    await lg.all("hold", { on: false });
    if (target.isHub && !serverB) await openSpecial(ctx, serverA, "trigger");
    events.duringStorm = await emit(10, 100);
    let status = await lg.status();
    const until = Date.now() + 60_000;
    const head = () => Math.max(...status.map((s) => s.headSeq));
    const done = () =>
      sum(status, (s) => s.ready) === cfg.stormClients &&
      (!target.isHub || Math.min(...status.map((s) => s.minSeq ?? 0)) >= head());
    while (!done() && Date.now() < until) {
      await sleep(200);
      status = await lg.status();
    }
    events.head = head();
    status = await lg.status(true);
    const lastReady = Math.max(...status.map((s) => s.stats.lastReadyAt));
    const readyHist = new Histogram().recordAll(
      tBack === null ? [] : status.flatMap((s) => s.readyTimes ?? []).map((t) => t - tBack),
    );
    const backAt = (p: number) =>
      tBack === null || readyHist.count === 0 ? null : readyHist.percentile(p) / 1000;
    const closes: Record<string, number> = {};
    for (const s of status) {
      for (const [k, v] of Object.entries(s.stats.closes)) closes[k] = (closes[k] ?? 0) + v;
    }
    return {
      mode,
      clients: cfg.stormClients,
      downMs,
      allBackMs: tBack === null || lastReady === 0 ? null : (lastReady - tBack) / 1000,
      halfBackMs: backAt(50),
      p90BackMs: backAt(90),
      notBack: cfg.stormClients - sum(status, (s) => s.ready),
      lost: target.isHub ? await lostCount(ctx, events.head) : 0,
      duplicatesOnWire: sum(status, (s) => s.stats.dup),
      duplicatesToApp: 0,
      gaps: sum(status, (s) => s.stats.gap),
      resumed: sum(status, (s) => s.stats.resumed),
      snapshots: sum(status, (s) => s.stats.snapshots),
      events,
      via: !target.isHub
        ? "none (no protocol)"
        : serverB
        ? "second server process, same MariaDB"
        : "the restarted server",
      closes,
      listenOverflows: (await listenCounters(ctx)).listenOverflows - listen0.listenOverflows,
    };
  };
  try {
    if (useMysql) {
      serverB = await target.start({
        port: freePort(),
        env: session.rows!.env,
        cpus: cfg.cpusServer,
        hbMs: cfg.hbMs,
      });
      await openSpecial(ctx, serverB, "trigger");
    } else if (target.isHub) await openSpecial(ctx, serverA, "trigger");
    const opened = await lg.openIdle({
      url: serverA.wsBase,
      dialect: target.dialect,
      total: cfg.stormClients,
      tokens: await idleTokens(ctx),
      reconnect: true,
    });
    ctx.log(`  ${opened.ok} clients connected`);
    await lg.all("heartbeat", { paused: false, intervalMs: cfg.hbMs });
    const out: StormResult[] = [];
    for (const mode of ["backoff", "held"] as const) {
      out.push(await restart(mode));
      ctx.log(`  ${mode}: last back after ${out.at(-1)?.allBackMs?.toFixed(0)} ms`);
    }
    return out;
  } finally {
    await lg.all("hold", { on: false });
    await lg.closeAll();
    await serverB?.stop("SIGTERM");
    await serverA.stop("SIGTERM");
    await session.rows?.drop();
  }
}

function listenCounters(ctx: Ctx): Promise<{ listenOverflows: number; listenDrops: number }> {
  return ctx.lg.first.call("listen");
}

async function lostCount(ctx: Ctx, head: number): Promise<number> {
  const counts = await ctx.lg.all<{ below: number }>("countBelow", { seq: head });
  return counts.reduce((s, c) => s + c.below, 0);
}
