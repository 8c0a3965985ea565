/**
 * Reads a server process's CPU time and RSS from /proc for the coordinator
 * (Deno asks for --allow-all to read /proc; Node reads it freely).
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";

/**
 * The pids of a process's descendants (a supervisor's workers), from the
 * parent pid in every `/proc/<pid>/stat`.
 * @param {number} root the process
 * @returns {number[]} its children, their children, …
 */
export function descendants(root) {
  const parentOf = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      parentOf.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch { /* it ended */ }
  }
  const out = [];
  const frontier = [root];
  while (frontier.length > 0) {
    const p = frontier.pop();
    for (const [pid, ppid] of parentOf) {
      if (ppid === p) {
        out.push(pid);
        frontier.push(pid);
      }
    }
  }
  return out;
}

/**
 * `readProc` summed over a process and its descendants: a server of several
 * processes (a supervisor and its workers) is measured whole. A child that is
 * gone counts as nothing.
 * @param {number} pid the root process
 * @returns {{cpuMs: number, statCpuMs: number, rssKiB: number, processes: number}}
 */
export function readProcTree(pid) {
  const atMs = performance.timeOrigin + performance.now();
  const root = readProc(pid);
  const sum = { ...root, processes: 1, atMs };
  if (Number.isNaN(root.cpuMs)) return sum;
  for (const child of descendants(pid)) {
    const c = readProc(child);
    if (Number.isNaN(c.cpuMs)) continue;
    sum.cpuMs += c.cpuMs;
    sum.statCpuMs += c.statCpuMs;
    sum.rssKiB += c.rssKiB;
    sum.processes++;
  }
  return sum;
}

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
