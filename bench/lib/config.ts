/**
 * The benchmark's sizes and switches, from the environment:
 *
 * - `BENCH_QUICK=1`: a smoke run (small counts, short holds, 3 rounds)
 * - `BENCH_TARGETS=bare-deno,ours`: which servers (default: all)
 * - `BENCH_SCENARIOS=S1,S2`: which scenarios (default: all)
 * - `BENCH_ROUNDS=7`: rounds per figure
 * - `BENCH_WARMUP=3`: S1 rounds run first and not counted, so that what is
 *   measured is the steady state and not the JIT compiling the path (ours'
 *   path is larger than a peer's: at 10 clients its CPU per event falls from
 *   ~1.8 to ~1.2 ms over the first 40 rounds, then stays)
 * - `BENCH_OUT=dir`: where results go (default bench/results)
 * - `BENCH_PIN=1`: pin the server to CPU 1 and the load generator to CPU 0
 * - `BENCH_WORKERS=2`: load-generator processes
 * - `BENCH_IDLE_COUNTS=1000,4000`: the connection counts of S1/S2/S6 (default 1000,9000)
 * - `BENCH_CAPACITY=19000`, `BENCH_HOLD_MS=60000`: S3's clients and how long they are held
 * - `BENCH_OURS_ROOT=/path`: run our server's `main.ts` from another checkout (before/after)
 * - `BENCH_CONNECT_CONCURRENCY=64`: connections in flight per load-generator
 *   process while S1/S2/S6 connect their idle clients (the connect figure);
 *   a large value (e.g. 5000) makes it a connect storm
 * - `BENCH_PEER_HELLO=1`: the peers' clients count as ready once the peer has
 *   echoed a hello, one round trip after the handshake as a hub client's
 *   `CL` → `WELCOME` (default: ready when the socket opens)
 * - `BENCH_PAYLOAD=1332`: bytes of each broadcast event sent by the peers (the
 *   size of our pending `EVENT` for the benchmark's row, so every server sends the same)
 * - `BENCH_V8_FLAGS=--trace-gc`, `BENCH_DENO_FLAGS=...`: extra flags for the Deno servers
 * - `BENCH_OURS_V8_FLAGS=--max-semi-space-size=8` (or `none`): our server's own V8
 *   flags (default: those of `deno task start` in its checkout's deno.json)
 * - `BENCH_SERVER_LOG=dir`: every server's whole output also goes to `dir/<pid>.log`
 * @module
 */

/** The scenarios of issue 4, and S7 (issue 14: the publication queue). */
export const SCENARIOS = ["S1", "S2", "S3", "S4", "S5", "S6", "S7"] as const;
/** A scenario name. */
export type Scenario = typeof SCENARIOS[number];

/** Everything a run needs to know. */
export interface BenchConfig {
  readonly quick: boolean;
  readonly targets: readonly string[] | null;
  readonly scenarios: ReadonlySet<Scenario>;
  readonly rounds: number;
  /** S1 rounds run before the counted ones. */
  readonly warmup: number;
  readonly outDir: string;
  /** Connection counts of S1/S2 (the last also for S6). */
  readonly idleCounts: readonly number[];
  /** S3: clients held. */
  readonly capacity: number;
  readonly capacityHoldMs: number;
  /** S4: clients in the storm. */
  readonly stormClients: number;
  /** S5: decisions per round, operators deciding at once. */
  readonly decisions: number;
  readonly deciders: number;
  /** S7: approvals per TAKE round, and for the latency round. */
  readonly publicationJobs: number;
  readonly publicationLatency: number;
  /** S6: heartbeat probes per round and the pause between them. */
  readonly probes: number;
  readonly probeGapMs: number;
  /** Client heartbeat interval (and the servers' keepalive), ms. */
  readonly hbMs: number;
  /** Wait before reading RSS, ms. */
  readonly settleMs: number;
  readonly workers: number;
  /** Connections in flight per load-generator process while idle clients connect. */
  readonly connectConcurrency: number;
  readonly payloadBytes: number;
  /** `taskset` CPU lists for the server and for the load generator, or null. */
  readonly cpusServer: string | null;
  readonly cpusClients: string | null;
}

const RESULTS = new URL("../results", import.meta.url).pathname;

function num(name: string, fallback: number): number {
  const v = Deno.env.get(name);
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    throw new Error(`${name}: expected a positive number, got ${v}`);
  }
  return n;
}

function list(name: string): string[] | null {
  const v = Deno.env.get(name);
  return v ? v.split(",").map((s) => s.trim()).filter(Boolean) : null;
}

/**
 * Reads the configuration.
 * @returns the frozen configuration
 * @throws {Error} on a bad value, naming the variable
 */
export function readConfig(): BenchConfig {
  const quick = Deno.env.get("BENCH_QUICK") === "1";
  const scenarios = new Set<Scenario>();
  for (const s of list("BENCH_SCENARIOS") ?? SCENARIOS) {
    if (!(SCENARIOS as readonly string[]).includes(s)) {
      throw new Error(`BENCH_SCENARIOS: unknown scenario ${s}`);
    }
    scenarios.add(s as Scenario);
  }
  const pin = Deno.env.get("BENCH_PIN") === "1";
  return Object.freeze({
    quick,
    targets: list("BENCH_TARGETS"),
    scenarios,
    rounds: num("BENCH_ROUNDS", quick ? 3 : 7),
    warmup: num("BENCH_WARMUP", quick ? 1 : 3),
    outDir: Deno.env.get("BENCH_OUT") ?? RESULTS,
    idleCounts: list("BENCH_IDLE_COUNTS")?.map((v) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`BENCH_IDLE_COUNTS: bad count ${v}`);
      return n;
    }) ?? (quick ? [100, 400] : [1000, 9000]),
    capacity: num("BENCH_CAPACITY", quick ? 600 : 19000),
    capacityHoldMs: num("BENCH_HOLD_MS", quick ? 3000 : 60_000),
    stormClients: quick ? 300 : 9000,
    decisions: quick ? 100 : 1000,
    deciders: quick ? 4 : 16,
    publicationJobs: quick ? 200 : 2000,
    publicationLatency: quick ? 40 : 200,
    probes: quick ? 50 : 500,
    probeGapMs: quick ? 5 : 10,
    hbMs: num("BENCH_HB_MS", quick ? 2000 : 15000),
    settleMs: quick ? 500 : 5000,
    workers: num("BENCH_WORKERS", 2),
    connectConcurrency: num("BENCH_CONNECT_CONCURRENCY", 64),
    payloadBytes: num("BENCH_PAYLOAD", 1332),
    cpusServer: pin ? "1" : null,
    cpusClients: pin ? "0" : null,
  });
}
