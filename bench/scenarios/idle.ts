/**
 * S1 (fan-out), S2 (idle memory) and S6 (heartbeat round trip), measured on
 * one server start as the idle population grows to each count of
 * `cfg.idleCounts`: connect, let heartbeats run, GC, read RSS (S2), then the
 * fan-out rounds (S1), then at the largest count the heartbeat probe (S6).
 * @module
 */
import { Histogram } from "../lib/histogram.ts";
import { sample } from "../lib/proc.ts";
import {
  type Ctx,
  idleTokens,
  openSpecial,
  type Session,
  sleep,
  startSession,
} from "../lib/session.ts";
import { type Spread, spread } from "../lib/summary.ts";

/** S1 at one connection count. */
export interface FanoutResult {
  readonly n: number;
  /** Delivery latency per round, ms. */
  readonly p50: Spread;
  readonly p99: Spread;
  readonly max: Spread;
  /** Server CPU per event (all threads), ms. */
  readonly cpuMs: Spread;
  /** Server CPU of each counted round, in order, ms (shows the JIT warming up). */
  readonly cpuMsRounds: readonly number[];
  /**
   * How long each round's CPU was counted, ms: from the sample before the
   * row's insert to the one after the last delivery. The server's own
   * background (timers, pollers) over this window is part of `cpuMs`.
   */
  readonly windowMs: Spread;
  /** Server CPU per event from utime+stime (10 ms ticks), summed over rounds / rounds. */
  readonly statCpuMsAvg: number;
  readonly delivered: number;
  readonly expected: number;
  readonly duplicates: number;
  /** Size of one delivered event (characters). */
  readonly eventBytes: number;
}

/** S2 at one connection count. */
export interface MemoryResult {
  readonly n: number;
  readonly baseKiB: number;
  readonly rssKiB: Spread;
  /** (RSS − RSS before any client) / n, KiB. */
  readonly perConnKiB: Spread;
  /** Whether a full GC could be forced before reading. */
  readonly gcForced: boolean;
}

/** S6. */
export interface HeartbeatResult {
  readonly n: number;
  readonly p50: Spread;
  readonly p99: Spread;
  readonly max: Spread;
  readonly lost: number;
}

/**
 * Connecting the idle population up to one count: the load generator opens
 * `opened` clients (`BENCH_CONNECT_CONCURRENCY`, default 64, in flight per
 * worker process) and each is ready when welcomed (`WELCOME` for ours, open
 * for the peers).
 */
export interface ConnectResult {
  readonly n: number;
  /** Clients opened in this step (n less those already open). */
  readonly opened: number;
  /** First open to the last client ready, s. */
  readonly seconds: number;
  /** Server CPU over the step (all threads), ms, and per client, ms. */
  readonly cpuMs: number;
  readonly cpuMsPerClient: number;
}

/** The three scenarios' results for one target, and the connects before them. */
export interface IdleResults {
  readonly s1: FanoutResult[];
  readonly s2: MemoryResult[];
  s6: HeartbeatResult | null;
  readonly connect: ConnectResult[];
}

async function readRss(ctx: Ctx, session: Session): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < 3; i++) {
    session.server.gc();
    await sleep(Math.max(300, ctx.cfg.settleMs / 3));
    out.push((await sample(ctx.lg, session.server.pid)).rssKiB);
  }
  return out;
}

async function fanoutRound(
  ctx: Ctx,
  session: Session,
  keyWithoutRows: number,
): Promise<
  {
    hist: Histogram;
    cpu: number;
    statCpu: number;
    windowMs: number;
    expected: number;
    dups: number;
  }
> {
  const { lg, cfg } = ctx;
  const pid = session.server.pid;
  let key = keyWithoutRows;
  await lg.all("heartbeat", { paused: true });
  await sleep(150);
  const before = await sample(lg, pid);
  // The row is inserted just before its trigger: rows inserted ahead were
  // announced by the server's announce scanner (every 5 s) before their
  // round's trigger on a loaded machine, and the round then saw no event.
  if (session.rows) key = (await session.rows.insert(1))[0]!;
  const { t0 } = await lg.first.call<{ t0: number }>("trigger", {
    key,
    bytes: cfg.payloadBytes,
  });
  const results = await lg.all<{ lat: number[]; expected: number; dups: number }>("collect", {
    t0: { [key]: t0 },
    waitMs: 15_000,
  });
  const after = await sample(lg, pid);
  const cpu = after.cpuMs - before.cpuMs;
  const statCpu = after.statCpuMs - before.statCpuMs;
  await lg.all("heartbeat", { paused: false });
  const hist = new Histogram();
  for (const r of results) hist.recordAll(r.lat);
  return {
    hist,
    cpu,
    statCpu,
    windowMs: after.atMs - before.atMs,
    expected: results.reduce((s, r) => s + r.expected, 0),
    dups: results.reduce((s, r) => s + r.dups, 0),
  };
}

async function fanout(
  ctx: Ctx,
  session: Session,
  n: number,
  firstKey: number,
): Promise<FanoutResult> {
  const p50: number[] = [];
  const p99: number[] = [];
  const max: number[] = [];
  const cpu: number[] = [];
  const windowMs: number[] = [];
  let statCpu = 0;
  let delivered = 0;
  let expected = 0;
  let duplicates = 0;
  // The first rounds warm the path up (BENCH_WARMUP) and are not counted.
  const warmup = ctx.cfg.warmup;
  for (let r = 0; r < warmup + ctx.cfg.rounds; r++) {
    const round = await fanoutRound(ctx, session, firstKey + r);
    if (r >= warmup) {
      p50.push(round.hist.percentile(50) / 1000);
      p99.push(round.hist.percentile(99) / 1000);
      max.push(round.hist.max / 1000);
      cpu.push(round.cpu);
      windowMs.push(round.windowMs);
      statCpu += round.statCpu;
      delivered += round.hist.count;
      expected += round.expected;
      duplicates += round.dups;
    }
    await sleep(200);
  }
  const st = await ctx.lg.first.call<{ stats: { eventBytes?: number } }>("status");
  return {
    n,
    p50: spread(p50),
    p99: spread(p99),
    max: spread(max),
    cpuMs: spread(cpu),
    cpuMsRounds: cpu.map((c) => Math.round(c * 100) / 100),
    windowMs: spread(windowMs),
    statCpuMsAvg: statCpu / ctx.cfg.rounds,
    delivered,
    expected,
    duplicates,
    eventBytes: st.stats.eventBytes ?? 0,
  };
}

async function heartbeatProbe(ctx: Ctx, n: number): Promise<HeartbeatResult> {
  const p50: number[] = [];
  const p99: number[] = [];
  const max: number[] = [];
  let lost = 0;
  for (let r = 0; r < ctx.cfg.rounds; r++) {
    const res = await ctx.lg.first.call<{ rtts: number[]; lost: number }>("probe", {
      count: ctx.cfg.probes,
      intervalMs: ctx.cfg.probeGapMs,
    }, 120_000);
    const h = new Histogram().recordAll(res.rtts);
    p50.push(h.percentile(50) / 1000);
    p99.push(h.percentile(99) / 1000);
    max.push(h.max / 1000);
    lost += res.lost;
  }
  return { n, p50: spread(p50), p99: spread(p99), max: spread(max), lost };
}

/**
 * Runs S1, S2 and S6 (those selected) on one server start.
 * @param ctx the context
 * @returns the results
 */
export async function runIdle(ctx: Ctx): Promise<IdleResults> {
  const { cfg, lg } = ctx;
  const out: IdleResults = { s1: [], s2: [], s6: null, connect: [] };
  const session = await startSession(ctx, "sqlite");
  try {
    const toks = await idleTokens(ctx);
    await sleep(cfg.settleMs);
    const base = await readRss(ctx, session);
    const baseKiB = Math.min(...base);
    await openSpecial(ctx, session.server, "trigger");
    await openSpecial(ctx, session.server, "probe");
    let open = 0;
    let key = 1;
    for (const n of cfg.idleCounts) {
      ctx.log(`  ${n} idle clients`);
      const cpu0 = await sample(lg, session.server.pid);
      const r = await lg.openIdle({
        url: session.server.wsBase,
        dialect: ctx.target.dialect,
        total: n - open,
        tokens: toks,
        concurrency: cfg.connectConcurrency,
      });
      if (r.fail > 0) {
        throw new Error(`${r.fail} of ${n} connections failed: ${JSON.stringify(r.errors)}`);
      }
      const cpuMs = (await sample(lg, session.server.pid)).cpuMs - cpu0.cpuMs;
      out.connect.push({
        n,
        opened: n - open,
        seconds: r.ms / 1000,
        cpuMs,
        cpuMsPerClient: cpuMs / Math.max(1, n - open),
      });
      open = n;
      await lg.all("heartbeat", { paused: false, intervalMs: cfg.hbMs });
      // RSS after a forced GC needs the GC hook in every server process; a
      // supervisor's workers run without it, so S2 is for single processes.
      if (cfg.scenarios.has("S2") && (ctx.target.workers ?? 1) === 1) {
        const rss = await readRss(ctx, session);
        out.s2.push({
          n,
          baseKiB,
          rssKiB: spread(rss),
          perConnKiB: spread(rss.map((v) => (v - baseKiB) / n)),
          gcForced: true,
        });
      }
      if (cfg.scenarios.has("S1")) {
        out.s1.push(await fanout(ctx, session, n, key));
        key += cfg.warmup + cfg.rounds;
      }
      if (cfg.scenarios.has("S6") && n === cfg.idleCounts[cfg.idleCounts.length - 1]) {
        out.s6 = await heartbeatProbe(ctx, n);
      }
    }
  } finally {
    await lg.closeAll();
    await session.close();
  }
  return out;
}
