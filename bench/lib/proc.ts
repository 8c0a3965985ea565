/**
 * What the harness reads about a server process and the machine. /proc is
 * read by a load-generator worker (Node): Deno wants --allow-all for /proc.
 * @module
 */
import type { LoadGen } from "./loadgen.ts";

/** CPU time and memory of a process and its descendants (a supervisor's workers). */
export interface ProcSample {
  /** CPU of every thread, ms, from `/proc/<pid>/task/*\/schedstat` (ns resolution). */
  readonly cpuMs: number;
  /** `utime + stime` from `/proc/<pid>/stat`, ms (10 ms ticks). */
  readonly statCpuMs: number;
  /** `VmRSS` from `/proc/<pid>/status`, KiB. */
  readonly rssKiB: number;
  /** How many processes were summed (1, or a supervisor and its workers). */
  readonly processes: number;
  /** When it was read (ms since the epoch, the reader's clock). */
  readonly atMs: number;
}

/**
 * Samples a process with its descendants (the workers of our server with
 * `WORKERS` > 1; the peers have none).
 * @param lg the load generator (its first worker reads /proc)
 * @param pid the process
 * @returns the sums (NaN fields when the process is gone)
 */
export function sample(lg: LoadGen, pid: number): Promise<ProcSample> {
  return lg.first.call<ProcSample>("proc", { pid });
}

/** The machine a run measured. */
export interface Machine {
  readonly cores: number;
  readonly cpu: string;
  readonly memoryMiB: number;
  readonly kernel: string;
  readonly loadavg: readonly number[];
}

/**
 * Reads the machine's description.
 * @param lg the load generator (for the CPU model)
 * @returns the machine
 */
export async function machine(lg: LoadGen): Promise<Machine> {
  return {
    cores: navigator.hardwareConcurrency,
    cpu: (await lg.first.call<{ model: string }>("cpuModel")).model,
    memoryMiB: Math.round(Deno.systemMemoryInfo().total / 1048576),
    kernel: Deno.osRelease(),
    loadavg: loadavg(),
  };
}

/** The 1, 5 and 15 minute load averages. */
export function loadavg(): number[] {
  return Deno.loadavg().map((x) => Math.round(x * 100) / 100);
}
