/**
 * Reads a server process's CPU time and RSS from /proc for the coordinator
 * (Deno asks for --allow-all to read /proc; Node reads it freely).
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU time of every thread (ns resolution, from schedstat), `utime+stime`
 * (10 ms ticks, from stat) and `VmRSS` of a process.
 * @param {number} pid the process
 * @returns {{cpuMs: number, statCpuMs: number, rssKiB: number}} NaN fields when it is gone
 */
export function readProc(pid) {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      } catch { /* the thread ended */ }
    }
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return {
      cpuMs: ns / 1e6,
      statCpuMs: (Number(fields[11]) + Number(fields[12])) * 10,
      rssKiB: rss ? Number(rss[1]) : NaN,
    };
  } catch {
    return { cpuMs: NaN, statCpuMs: NaN, rssKiB: NaN };
  }
}

/** The CPU model, from /proc/cpuinfo. */
export function cpuModel() {
  return /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "unknown";
}

/**
 * The kernel's listen-queue counters (`TcpExt: ListenOverflows ListenDrops`
 * in /proc/net/netstat): a SYN dropped because an accept queue was full.
 * @returns {{listenOverflows: number, listenDrops: number}}
 */
export function listenCounters() {
  const lines = readFileSync("/proc/net/netstat", "utf8").split("\n");
  const head = lines.findIndex((l) => l.startsWith("TcpExt:"));
  const names = lines[head].split(" ");
  const values = lines[head + 1].split(" ").map(Number);
  const get = (n) => values[names.indexOf(n)] ?? NaN;
  return { listenOverflows: get("ListenOverflows"), listenDrops: get("ListenDrops") };
}
