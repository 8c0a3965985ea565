/**
 * What a server costs while nothing happens: N idle clients with heartbeats,
 * the server's CPU over a hold, for each target in one run. The part of that
 * cost a fan-out round's window catches is part of S1's CPU per event.
 *
 * `deno run -A bench/idle_cpu.ts [N] [holdMs]`, targets from `BENCH_TARGETS`
 * (default `bare-deno,ours`). `IDLE_HEARTBEATS=0` holds the clients'
 * heartbeats, as S1 does during a round: what is left is the server's own
 * background (its timers, pollers and presence), which a round's window
 * catches at random (once a client has been silent for half the transport's
 * idle timeout, the server's pings to it count too).
 * @module
 */
import { readConfig } from "./lib/config.ts";
import { installPeer } from "./lib/install.ts";
import { LoadGen } from "./lib/loadgen.ts";
import { targets } from "./lib/servers.ts";
import { type Ctx, idleTokens, openSpecial, sleep, startSession } from "./lib/session.ts";
import { mysqlUp } from "./lib/hub.ts";
import { sample } from "./lib/proc.ts";

if (import.meta.main) {
  const n = Number(Deno.args[0] ?? 1000);
  const holdMs = Number(Deno.args[1] ?? 10_000);
  const cfg = readConfig();
  const nodeDir = await installPeer("node");
  const wanted = (Deno.env.get("BENCH_TARGETS") ?? "bare-deno,ours").split(",");
  for (const target of (await targets(nodeDir, null)).filter((t) => wanted.includes(t.name))) {
    const lg = LoadGen.start({ workers: cfg.workers, nodeDir, cpus: null });
    const ctx: Ctx = { cfg, lg, target, mysql: await mysqlUp(), log: console.error };
    const session = await startSession(ctx, "sqlite");
    try {
      await openSpecial(ctx, session.server, "trigger");
      const tokens = await idleTokens(ctx);
      await lg.openIdle({
        url: session.server.wsBase,
        dialect: target.dialect,
        total: n,
        tokens,
        reconnect: false,
        concurrency: cfg.connectConcurrency,
      });
      const paused = Deno.env.get("IDLE_HEARTBEATS") === "0";
      await lg.all("heartbeat", { paused, intervalMs: cfg.hbMs });
      await sleep(3000);
      const a = await sample(lg, session.server.pid);
      await sleep(holdMs);
      const b = await sample(lg, session.server.pid);
      const perSecond = (b.cpuMs - a.cpuMs) / (holdMs / 1000);
      console.log(
        `${target.name}: ${n} idle clients${paused ? " (heartbeats held)" : ""}, ` +
          `${perSecond.toFixed(2)} ms of CPU per second`,
      );
    } finally {
      await lg.closeAll();
      await session.close();
      await lg.close();
    }
  }
}
