/**
 * The coordinator's side of the load generator: starts the Node worker
 * processes (bench/loadgen/worker.mjs), sends them commands, splits
 * connections over them and over source addresses in 127.0.0.0/8.
 * @module
 */

const WORKER = new URL("../loadgen/worker.mjs", import.meta.url).pathname;

/** Options for starting the load generator. */
export interface LoadGenOptions {
  /** How many worker processes. */
  readonly workers: number;
  /** Where `ws` is installed (bench/.peers/node). */
  readonly nodeDir: string;
  /** CPUs to pin the workers to (`taskset -c`), or null. */
  readonly cpus: string | null;
}

/** Result of opening connections. */
export interface OpenResult {
  readonly ok: number;
  readonly fail: number;
  readonly ms: number;
  readonly errors: Record<string, number>;
}

/** What a worker reports about its connections. */
export interface WorkerStatus {
  readonly conns: number;
  readonly ready: number;
  readonly minSeq: number | null;
  readonly maxSeq: number | null;
  readonly headSeq: number;
  readonly stats: {
    closes: Record<string, number>;
    errors: Record<string, number>;
    dup: number;
    gap: number;
    snapshots: number;
    resumed: number;
    welcomes: number;
    lastReadyAt: number;
    unhandled: number;
  };
  readonly rssMB: number;
  readonly now: number;
  /** With `status(true)`: when each connection became ready since the last reset (µs). */
  readonly readyTimes?: number[];
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

/** One worker process, driven by JSON lines. */
export class Worker {
  readonly index: number;
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #pending = new Map<number, Pending>();
  #next = 1;
  #stderr = "";

  /**
   * @param index the worker's number (it picks its source addresses)
   * @param opts how to start it
   */
  constructor(index: number, opts: LoadGenOptions) {
    this.index = index;
    const node = ["node", "--max-old-space-size=4096", WORKER];
    const [program, ...args] = opts.cpus ? ["taskset", "-c", opts.cpus, ...node] : node;
    this.#child = new Deno.Command(program ?? "node", {
      args,
      env: { BENCH_NODE_DIR: opts.nodeDir },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#stdin = this.#child.stdin.getWriter();
    this.#readReplies();
    this.#child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: (t) => void (this.#stderr = (this.#stderr + t).slice(-4000)) }),
    ).catch(() => {});
  }

  /** The worker's OS process id. */
  get pid(): number {
    return this.#child.pid;
  }

  async #readReplies(): Promise<void> {
    let buf = "";
    for await (const text of this.#child.stdout.pipeThrough(new TextDecoderStream())) {
      buf += text;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const msg = JSON.parse(line) as {
          id: number;
          ok: boolean;
          result?: unknown;
          error?: string;
        };
        const p = this.#pending.get(msg.id);
        this.#pending.delete(msg.id);
        if (msg.ok) p?.resolve(msg.result);
        else p?.reject(new Error(`worker ${this.index}: ${msg.error}`));
      }
    }
    for (const p of this.#pending.values()) {
      p.reject(new Error(`worker ${this.index} exited: ${this.#stderr}`));
    }
  }

  /**
   * Sends a command and waits for its reply.
   * @param cmd the command name (see worker.mjs)
   * @param args its arguments
   * @param timeoutMs bound on the wait
   * @returns the command's result
   * @throws {Error} when the worker fails, exits or does not answer in time
   */
  call<T>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 180_000): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`worker ${this.index}: ${cmd} timed out`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.#stdin.write(new TextEncoder().encode(JSON.stringify({ id, cmd, args }) + "\n"))
        .catch(reject);
    });
  }

  /** Asks the worker to exit, then kills it if it lingers. */
  async close(): Promise<void> {
    const timer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch { /* gone */ }
    }, 3000);
    await this.call("exit", {}, 3000).catch(() => {});
    await this.#stdin.close().catch(() => {});
    await this.#child.status;
    clearTimeout(timer);
  }
}

/** Several workers, used as one load generator. */
export class LoadGen {
  readonly workers: readonly Worker[];
  /** The first worker: the one that runs the single-client duties (triggers, probes, status). */
  readonly first: Worker;

  private constructor(workers: Worker[]) {
    const [first] = workers;
    if (first === undefined) throw new RangeError("a load generator needs at least one worker");
    this.workers = workers;
    this.first = first;
  }

  /**
   * Starts the workers.
   * @param opts how many, where `ws` is, CPU pinning
   * @returns the load generator
   */
  static start(opts: LoadGenOptions): LoadGen {
    return new LoadGen(Array.from({ length: opts.workers }, (_, i) => new Worker(i, opts)));
  }

  /**
   * Source addresses of worker `w`: four of 127.<w+1>.<k>.<j>, so no source
   * address is shared between workers and none carries more than a few
   * thousand connections.
   * @param w the worker's index
   * @returns the addresses
   */
  static ips(w: number): string[] {
    return [1, 2, 3, 4].map((j) => `127.${w + 1}.${j}.${10 + j}`);
  }

  /**
   * Opens `total` idle connections spread evenly over the workers.
   * @param args url, dialect, total, tokens, reconnect, concurrency
   * @returns the summed result
   */
  async openIdle(args: {
    url: string;
    dialect: string;
    total: number;
    tokens?: string[] | undefined;
    reconnect?: boolean;
    concurrency?: number;
    timeoutMs?: number;
  }): Promise<OpenResult> {
    const n = this.workers.length;
    const results = await Promise.all(this.workers.map((w, i) => {
      const count = Math.floor(args.total / n) + (i < args.total % n ? 1 : 0);
      return w.call<OpenResult>("open", {
        url: args.url,
        dialect: args.dialect,
        count,
        ips: LoadGen.ips(i),
        tokens: args.tokens,
        reconnect: args.reconnect ?? false,
        concurrency: args.concurrency ?? 64,
        timeoutMs: args.timeoutMs ?? 120_000,
      }, (args.timeoutMs ?? 120_000) + 10_000);
    }));
    const errors: Record<string, number> = {};
    for (const r of results) {
      for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
    }
    return {
      ok: results.reduce((s, r) => s + r.ok, 0),
      fail: results.reduce((s, r) => s + r.fail, 0),
      ms: Math.max(...results.map((r) => r.ms)),
      errors,
    };
  }

  /**
   * Sends one command to every worker.
   * @param cmd the command
   * @param args its arguments
   * @param timeoutMs bound on the wait
   * @returns each worker's result
   */
  all<T>(cmd: string, args: Record<string, unknown> = {}, timeoutMs?: number): Promise<T[]> {
    return Promise.all(this.workers.map((w) => w.call<T>(cmd, args, timeoutMs)));
  }

  /**
   * Status of every worker.
   * @param withTimes include each connection's ready time since the last reset
   * @returns one status per worker
   */
  status(withTimes = false): Promise<WorkerStatus[]> {
    return this.all<WorkerStatus>("status", { withTimes });
  }

  /** Closes every connection of every worker. */
  async closeAll(): Promise<void> {
    await this.all("closeAll");
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}
