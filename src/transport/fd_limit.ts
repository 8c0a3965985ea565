/**
 * The process's open-file limit, and the connection limits that follow from
 * it: a process must never accept so many sockets that it has no descriptor
 * left for its database pool, Redis and files.
 * @module
 */
import type { BudgetLimits } from "./budget.ts";

/**
 * The soft `RLIMIT_NOFILE` of this process, from `/proc/self/limits`.
 * @param read reads a text file (for tests)
 * @returns the limit, or null where it cannot be read (not Linux, no permission, unlimited)
 */
export function openFileLimit(
  read: (path: string) => string = Deno.readTextFileSync,
): number | null {
  try {
    const line = read("/proc/self/limits").split("\n").find((l) => l.startsWith("Max open files"));
    const soft = line?.slice("Max open files".length).trim().split(/\s+/)[0];
    const n = Number(soft);
    return soft !== undefined && Number.isSafeInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/** The most descriptors `probeOpenFileLimit` opens: past this the limit is as good as unlimited. */
export const PROBE_CAP = 262_144;

/**
 * The open-file limit measured: how many descriptors this process can still
 * open (of `/dev/null`), plus a few for those already open. Deno grants
 * `/proc/self/limits` only to `--allow-all`, so where that cannot be read this
 * is how the limit is learnt. Synchronous, at start, before anything else
 * runs: it briefly takes every free descriptor and gives them back.
 * @param open opens one descriptor (for tests)
 * @returns the limit (at most `PROBE_CAP`), or null when nothing could be opened
 */
export function probeOpenFileLimit(
  open: () => { close(): void } = () => Deno.openSync("/dev/null"),
): number | null {
  const held: Array<{ close(): void }> = [];
  try {
    while (held.length < PROBE_CAP) held.push(open());
  } catch {
    // Out of descriptors (or not allowed): what was opened is the answer.
  } finally {
    for (const f of held) f.close();
  }
  // The runtime itself holds some descriptors already (stdio, epoll, V8).
  return held.length === 0 ? null : held.length + 16;
}

/** Connection limits asked for in the configuration (null: derive). */
export interface RequestedLimits {
  /** `MAX_CONNECTIONS`, or null to derive it from the open-file limit. */
  readonly maxConnections: number | null;
  /** `MAX_PENDING_CONNECTIONS`, or null for half the connections. */
  readonly maxPendingConnections: number | null;
  /** Connections not yet welcomed that one address may hold. */
  readonly maxPendingPerAddress: number;
}

/** The limits in force, and a warning when the configuration asked for more than the process can hold. */
export interface ResolvedLimits extends BudgetLimits {
  /** WebSocket connections (past it: 1008). */
  readonly maxConnections: number;
  /** Descriptors kept back for everything but client sockets. */
  readonly reserve: number;
  /** Why the limits are lower than asked, to log at start; null when they are not. */
  readonly warning: string | null;
}

/** Used when the open-file limit cannot be read. */
const ASSUMED_LIMIT = 65_536;

/**
 * Derives the limits from the open-file limit: a reserve for the pools,
 * Redis and files (2 %, 64–512 descriptors); sockets up to the rest;
 * WebSockets a little below that (so `/metrics` and a 1008 can still be
 * answered); pending connections half of the WebSockets, which leaves room for
 * a reconnect storm of every welcomed client while an attacker's silent
 * sockets can take at most that half.
 * @param requested what the configuration says
 * @param nofile the open-file limit (null: unknown)
 * @returns the limits
 */
export function resolveLimits(requested: RequestedLimits, nofile: number | null): ResolvedLimits {
  const limit = nofile ?? ASSUMED_LIMIT;
  const reserve = Math.max(64, Math.min(512, Math.floor(limit * 0.02)));
  const maxSockets = Math.max(16, limit - reserve);
  const derived = maxSockets - Math.min(128, Math.max(4, Math.floor(maxSockets * 0.02)));
  let warning: string | null = null;
  let maxConnections = requested.maxConnections ?? derived;
  if (maxConnections > derived) {
    warning = `MAX_CONNECTIONS=${maxConnections} is more than the open-file limit (${limit}) ` +
      `allows; using ${derived}. Raise the limit (ulimit -n, systemd LimitNOFILE) to hold more.`;
    maxConnections = derived;
  }
  const maxPending = Math.min(
    maxSockets,
    requested.maxPendingConnections ?? Math.max(64, Math.floor(maxConnections / 2)),
  );
  return {
    maxConnections,
    maxSockets,
    maxPending,
    maxPendingPerAddress: requested.maxPendingPerAddress,
    reserve,
    warning,
  };
}
