/**
 * The run's results as JSON and as a Markdown table, with the targets of
 * issue 4 as ratios.
 * @module
 */
import type { Machine } from "./proc.ts";
import { fmtSpread, type Spread } from "./summary.ts";
import type { IdleResults } from "../scenarios/idle.ts";
import type { CapacityResult } from "../scenarios/capacity.ts";
import type { StormResult } from "../scenarios/storm.ts";
import type { DecisionsResult } from "../scenarios/decisions.ts";

/** One server's results. */
export interface TargetResults {
  readonly name: string;
  readonly version: string;
  /** Load average when this server's scenarios began (the machine is shared). */
  readonly loadavgAtStart: readonly number[];
  idle?: IdleResults;
  s3?: CapacityResult;
  s4?: StormResult[];
  s5?: DecisionsResult;
  readonly errors: string[];
}

/** Everything a run produced. */
export interface RunResults {
  readonly date: string;
  readonly command: string;
  readonly quick: boolean;
  readonly machine: Machine;
  readonly loadavgEnd: readonly number[];
  readonly settings: Record<string, unknown>;
  readonly notes: string[];
  readonly targets: TargetResults[];
}

const f1 = (s: Spread | undefined) => fmtSpread(s, 1);
const f2 = (s: Spread | undefined) => fmtSpread(s, 2);

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) {
    return "–";
  }
  return `${(a / b).toFixed(2)}×`;
}

function verdict(ok: boolean | null): string {
  return ok === null ? "not measured" : ok ? "**met**" : "**missed**";
}

function targetsTable(r: RunResults): string[] {
  const by = (n: string) => r.targets.find((t) => t.name === n);
  const ours = by("ours");
  const bare = by("bare-deno");
  const nodeWs = by("node-ws");
  const big = (t: TargetResults | undefined) => t?.idle?.s1[t.idle.s1.length - 1];
  const mem = (t: TargetResults | undefined, i: number) => t?.idle?.s2[i]?.perConnKiB.median;
  const s1Ours = big(ours)?.p99.median;
  const s1Bare = big(bare)?.p99.median;
  const s1Node = big(nodeWs)?.p99.median;
  const s6Ours = ours?.idle?.s6?.p99.median;
  const s6Bare = bare?.idle?.s6?.p99.median;
  const lines = [
    "| | target | measured | verdict |",
    "|---|---|---|---|",
  ];
  const s1ok = s1Ours === undefined || s1Bare === undefined
    ? null
    : s1Ours <= 1.1 * s1Bare && (s1Node === undefined || s1Ours < s1Node);
  lines.push(
    `| S1 | p99 ≤ 1.10× bare Deno and < Node ws, at ${big(ours)?.n ?? "N"} | ${
      ratio(s1Ours, s1Bare)
    } of bare Deno, ${ratio(s1Ours, s1Node)} of Node ws | ${verdict(s1ok)} |`,
  );
  const s2 = (ours?.idle?.s2 ?? []).map((m, i) => ({
    n: m.n,
    r: (mem(ours, i) ?? NaN) / (mem(bare, i) ?? NaN),
  }));
  const s2ok = s2.length && s2.every((x) => Number.isFinite(x.r))
    ? s2.every((x) => x.r <= 1.25)
    : null;
  lines.push(
    `| S2 | RSS/connection ≤ 1.25× bare Deno | ${
      s2.map((x) => `${x.r.toFixed(2)}× at ${x.n}`).join(", ") || "–"
    } | ${verdict(s2ok)} |`,
  );
  const s3 = ours?.s3;
  lines.push(
    `| S3 | ≥ 19000 held 60 s, none closed 4008 | ${
      s3
        ? `${s3.held} of ${s3.target} held ${s3.holdMs / 1000} s, ${s3.closed4008} closed 4008`
        : "–"
    } | ${verdict(s3 ? s3.held >= 19000 && s3.closed4008 === 0 && s3.holdMs >= 60_000 : null)} |`,
  );
  for (const s4 of ours?.s4 ?? [undefined]) {
    lines.push(
      `| S4${s4 ? ` (${s4.mode})` : ""} | ${
        s4?.clients ?? 9000
      } resumed within 5 s, 0 lost, 0 twice | ${
        s4
          ? `${
            s4.allBackMs?.toFixed(0) ?? "never"
          } ms, ${s4.notBack} not back, ${s4.lost} lost, ${s4.duplicatesToApp} twice to the app (${s4.duplicatesOnWire} on the wire)`
          : "–"
      } | ${
        verdict(
          s4
            ? s4.allBackMs !== null && s4.allBackMs <= 5000 && s4.notBack === 0 && s4.lost === 0
            : null,
        )
      } |`,
    );
  }
  const s5 = ours?.s5;
  const s5r = s5 ? s5.hub.throughput.median / s5.floor.throughput.median : NaN;
  lines.push(
    `| S5 | APPROVED throughput ≥ 0.7× mysql2 floor | ${
      Number.isFinite(s5r)
        ? `${s5r.toFixed(2)}×, p99 ${
          ratio(s5!.hub.p99.median, s5!.floor.p99.median)
        } of the floor's`
        : "–"
    } | ${verdict(Number.isFinite(s5r) ? s5r >= 0.7 : null)} |`,
  );
  lines.push(
    `| S6 | HEARTBEAT p99 ≤ 1.10× bare Deno echo | ${ratio(s6Ours, s6Bare)} | ${
      verdict(s6Ours === undefined || s6Bare === undefined ? null : s6Ours <= 1.1 * s6Bare)
    } |`,
  );
  return lines;
}

/**
 * Renders the results as Markdown.
 * @param r the results
 * @returns the Markdown text
 */
export function markdown(r: RunResults): string {
  const m = r.machine;
  const out: string[] = [
    `# Benchmark ${r.date}${r.quick ? " (quick mode: smoke sizes, not comparable)" : ""}`,
    "",
    `Machine: ${m.cores} cores (${m.cpu}), ${m.memoryMiB} MiB, Linux ${m.kernel}; load average ${
      m.loadavg.join(" ")
    } at start, ${r.loadavgEnd.join(" ")} at end.`,
    `Command: \`${r.command}\`. Figures are medians of the rounds, with (min–max)${
      typeof r.settings.warmup === "number"
        ? `; S1 counts its rounds after ${r.settings.warmup} uncounted warm-up rounds`
        : ""
    }.`,
    "",
    "Versions (and load average when each began): " +
    r.targets.map((t) => `${t.name}: ${t.version} (${t.loadavgAtStart.join(" ")})`).join("; ") +
    ".",
    "",
    "## Targets (ours against the peers)",
    "",
    ...targetsTable(r),
    "",
    "## S1 fan-out: one event to N idle clients",
    "",
    "| server | N | p50 ms | p99 ms | max ms | server CPU ms/event | delivered | event bytes |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const t of r.targets) {
    for (const s of t.idle?.s1 ?? []) {
      out.push(
        `| ${t.name} | ${s.n} | ${f1(s.p50)} | ${f1(s.p99)} | ${f1(s.max)} | ${
          f2(s.cpuMs)
        } | ${s.delivered}/${s.expected}${
          s.duplicates ? `, ${s.duplicates} twice` : ""
        } | ${s.eventBytes} |`,
      );
    }
  }
  out.push(
    "",
    `## Connect: N clients opened (${
      r.settings.connectConcurrency ?? 64
    } in flight per load-generator process), until all ready (\`WELCOME\` for ours)`,
    "",
    "| server | N | opened | seconds | × bare Deno | server CPU ms | CPU ms/client |",
    "|---|---|---|---|---|---|---|",
  );
  const bareConnect = r.targets.find((t) => t.name === "bare-deno")?.idle?.connect ?? [];
  for (const t of r.targets) {
    for (const c of t.idle?.connect ?? []) {
      const bare = bareConnect.find((b) => b.n === c.n);
      out.push(
        `| ${t.name} | ${c.n} | ${c.opened} | ${c.seconds.toFixed(2)} | ${
          ratio(c.seconds, bare?.seconds)
        } | ${c.cpuMs.toFixed(0)} | ${c.cpuMsPerClient.toFixed(3)} |`,
      );
    }
  }
  out.push(
    "",
    "## S2 idle memory: RSS per connection, heartbeats running, after a forced GC",
    "",
    "| server | N | RSS MiB | KiB per connection |",
    "|---|---|---|---|",
  );
  for (const t of r.targets) {
    for (const s of t.idle?.s2 ?? []) {
      out.push(
        `| ${t.name} | ${s.n} | ${(s.rssKiB.median / 1024).toFixed(1)} | ${f1(s.perConnKiB)} |`,
      );
    }
  }
  out.push(
    "",
    "## S3 capacity: clients held with heartbeats",
    "",
    "| server | target | held | closed 4008 | other closes | failed to open | open time s | server RSS MiB | clients RSS MiB |",
    "|---|---|---|---|---|---|---|---|---|",
  );
  for (const t of r.targets) {
    const s = t.s3;
    if (!s) continue;
    const other = Object.entries(s.closes).filter(([k]) => k !== "4008").map(([k, v]) =>
      `${v}×${k}`
    );
    out.push(
      `| ${t.name} | ${s.target} for ${s.holdMs / 1000} s | ${s.held} | ${s.closed4008} | ${
        other.join(", ") || 0
      } | ${s.failed} | ${(s.openMs / 1000).toFixed(1)} | ${s.serverRssMiB} | ${
        s.clientRssMiB ?? "–"
      } |`,
    );
  }
  out.push(
    "",
    "## S4 reconnect storm: server restarted (SIGTERM), clients reconnect with full-jitter backoff",
    "",
    "| server | clients come back | clients | down ms | ready → half / 90 % / last client back, ms | not back | lost | twice (wire/app) | gaps | resumed | snapshots | SYNs dropped (listen overflows) | events before/down/storm | committed while down via |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  );
  for (const t of r.targets) {
    for (const s of t.s4 ?? []) {
      out.push(
        `| ${t.name} | ${s.mode} | ${s.clients} | ${s.downMs} | ${
          s.halfBackMs?.toFixed(0) ?? "–"
        } / ${s.p90BackMs?.toFixed(0) ?? "–"} / ${
          s.allBackMs?.toFixed(0) ?? "never"
        } | ${s.notBack} | ${s.lost} | ${s.duplicatesOnWire}/${s.duplicatesToApp} | ${s.gaps} | ${s.resumed} | ${s.snapshots} | ${
          s.listenOverflows ?? "–"
        } | ${s.events.before}/${s.events.whileDown}/${s.events.duringStorm} | ${s.via} |`,
      );
    }
  }
  out.push(
    "",
    "## S5 decisions on MariaDB: APPROVED → ACK, against the same SQL run directly with mysql2",
    "",
    "| path | decisions/s | p50 ms | p99 ms | errors |",
    "|---|---|---|---|---|",
  );
  for (const t of r.targets) {
    const s = t.s5;
    if (!s) continue;
    out.push(
      `| ours (${s.deciders} operators) | ${f1(s.hub.throughput)} | ${f2(s.hub.p50)} | ${
        f2(s.hub.p99)
      } | ${JSON.stringify(s.hub.errors)} |`,
      `| mysql2 floor (pool of ${s.deciders}) | ${f1(s.floor.throughput)} | ${f2(s.floor.p50)} | ${
        f2(s.floor.p99)
      } | ${JSON.stringify(s.floor.errors)} |`,
    );
  }
  out.push(
    "",
    "## S6 HEARTBEAT round trip under N idle connections",
    "",
    "| server | N | p50 ms | p99 ms | max ms | lost |",
    "|---|---|---|---|---|---|",
  );
  for (const t of r.targets) {
    const s = t.idle?.s6;
    if (s) {
      out.push(`| ${t.name} | ${s.n} | ${f2(s.p50)} | ${f2(s.p99)} | ${f2(s.max)} | ${s.lost} |`);
    }
  }
  const errors = r.targets.flatMap((t) => t.errors.map((e) => `- ${t.name}: ${e}`));
  if (errors.length) out.push("", "## Errors", "", ...errors);
  if (r.notes.length) out.push("", "## Notes", "", ...r.notes.map((n) => `- ${n}`));
  return out.join("\n") + "\n";
}

/**
 * Writes `<stamp>.json`, `<stamp>.md` and `latest.{json,md}` into `dir`: the
 * stamped pair is the record that gets committed, `latest.*` (`latest-quick.*`
 * in quick mode) a local copy that `.gitignore` keeps out of git.
 * @param dir the results directory
 * @param r the results
 * @returns the Markdown path
 */
export async function writeResults(dir: string, r: RunResults): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const stamp = r.date.replace(/[:.]/g, "-") + (r.quick ? "-quick" : "");
  const json = JSON.stringify(r, null, 2) + "\n";
  const md = markdown(r);
  await Deno.writeTextFile(`${dir}/${stamp}.json`, json);
  await Deno.writeTextFile(`${dir}/${stamp}.md`, md);
  const latest = r.quick ? "latest-quick" : "latest";
  await Deno.writeTextFile(`${dir}/${latest}.json`, json);
  await Deno.writeTextFile(`${dir}/${latest}.md`, md);
  return `${dir}/${stamp}.md`;
}
