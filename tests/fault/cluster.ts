/**
 * The system under test of the fault suite: a private MariaDB, a private
 * Redis and several real server processes (`main.ts`) on them, each on a
 * fixed port so a restarted process is found where it was. Knows how to
 * hurt each part and records every fault with its window.
 * @module
 */
import mysql from "mysql2/promise";
import { privateMariadb, privateRedis, type PrivateService } from "../_support/private_services.ts";
import { freePort, type RunningServer, startServer } from "../_support/server.ts";
import type { Fault, FaultKind, LogEntry, ResponseRow } from "./history.ts";

/** The database the processes share. */
const DATABASE = "faultsuite";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One server process slot: its port survives restarts. */
interface Slot {
  readonly port: number;
  server: RunningServer | null;
  /** Output of earlier incarnations, for a failure report. */
  output: string;
}

/** The cluster: services, processes and the fault record. */
export class Cluster {
  readonly db: PrivateService;
  readonly redis: PrivateService;
  readonly faults: Fault[] = [];
  readonly #slots: Slot[];
  readonly #env: Record<string, string>;
  readonly #now: () => number;

  private constructor(
    db: PrivateService,
    redis: PrivateService,
    processes: number,
    now: () => number,
    extraEnv: Record<string, string> = {},
  ) {
    this.db = db;
    this.redis = redis;
    this.#now = now;
    this.#slots = Array.from({ length: processes }, () => ({
      port: freePort(),
      server: null,
      output: "",
    }));
    this.#env = {
      MYSQL_HOST: "127.0.0.1",
      MYSQL_PORT: String(db.port),
      MYSQL_USER: "root",
      MYSQL_PASSWORD: "",
      MYSQL_DB: DATABASE,
      REDIS_URL: `redis://127.0.0.1:${redis.port}`,
      RATE_LIMIT_PER_SEC: "100000",
      RATE_LIMIT_BURST: "100000",
      LOG_LEVEL: "warn",
      ...extraEnv,
    };
  }

  /**
   * Starts MariaDB, Redis and the processes.
   * @param processes how many server processes
   * @param now the run's clock (ms)
   * @param env more configuration for every process (e.g. the publication suite's)
   * @returns the running cluster
   */
  static async start(
    processes: number,
    now: () => number,
    env: Record<string, string> = {},
  ): Promise<Cluster> {
    const [db, redis] = await Promise.all([privateMariadb(), privateRedis()]);
    const cluster = new Cluster(db, redis, processes, now, env);
    try {
      await Promise.all([db.start(), redis.start()]);
      // The first process creates the schema; the others start alongside.
      await Promise.all(cluster.#slots.map((_, i) => cluster.#startProcess(i)));
    } catch (e) {
      await cluster.dispose();
      throw e;
    }
    return cluster;
  }

  /** How many processes there are. */
  get size(): number {
    return this.#slots.length;
  }

  /** `http://127.0.0.1:<port>` of process `i` (whether or not it runs now). */
  url(i: number): string {
    return `http://127.0.0.1:${this.#slot(i).port}`;
  }

  /** The WebSocket endpoint of process `i`. */
  wsUrl(i: number): string {
    return `ws://127.0.0.1:${this.#slot(i).port}/ws`;
  }

  /** Opens a connection pool on the private database (as another module of the system would). */
  pool(): mysql.Pool {
    return mysql.createPool({
      host: "127.0.0.1",
      port: this.db.port,
      user: "root",
      password: "",
      database: DATABASE,
      connectionLimit: 2,
      connectTimeout: 1000,
      timezone: "Z",
      dateStrings: true,
    });
  }

  /** Process `i`'s slot; a RangeError for a process the cluster does not have. */
  #slot(i: number): Slot {
    const slot = this.#slots[i];
    if (slot === undefined) {
      throw new RangeError(`no process ${i} in a cluster of ${this.#slots.length}`);
    }
    return slot;
  }

  async #startProcess(i: number): Promise<void> {
    const slot = this.#slot(i);
    slot.server = await startServer({ ...this.#env, WEBSOCKET_PORT: String(slot.port) }, {
      timeoutMs: 30_000,
    });
  }

  #retire(i: number): void {
    const slot = this.#slot(i);
    if (slot.server) slot.output += slot.server.output();
    slot.server = null;
  }

  #record(kind: FaultKind, process: number | null, start: number): void {
    this.faults.push({ kind, process, start, end: this.#now() });
  }

  /** SIGKILL process `i`, wait `downMs`, start it again (until ready). */
  async kill(i: number, downMs: number): Promise<void> {
    const start = this.#now();
    await this.#slot(i).server?.kill();
    this.#retire(i);
    await sleep(downMs);
    await this.#startProcess(i);
    this.#record("kill", i, start);
  }

  /**
   * SIGTERM process `i` and start it again.
   * @returns the exit code of the stopped process and how long it took to exit (ms)
   */
  async term(i: number, downMs: number): Promise<{ code: number; exitMs: number }> {
    const start = this.#now();
    const code = await this.#slot(i).server?.stop("SIGTERM") ?? -1;
    const exitMs = this.#now() - start;
    this.#retire(i);
    await sleep(downMs);
    await this.#startProcess(i);
    this.#record("term", i, start);
    return { code, exitMs };
  }

  /** SIGSTOP process `i` for `ms`, then SIGCONT. */
  async pause(i: number, ms: number): Promise<void> {
    const server = this.#slot(i).server;
    if (!server) return;
    const start = this.#now();
    Deno.kill(server.pid, "SIGSTOP");
    try {
      await sleep(ms);
    } finally {
      Deno.kill(server.pid, "SIGCONT");
    }
    this.#record("pause", i, start);
  }

  /** SIGKILL Redis, wait `downMs`, start it again. */
  async killBroker(downMs: number): Promise<void> {
    const start = this.#now();
    await this.redis.signal("SIGKILL");
    await sleep(downMs);
    await this.redis.start();
    this.#record("broker_kill", null, start);
  }

  /** SIGKILL MariaDB, wait `downMs`, start it again on the same data directory. */
  async killDatabase(downMs: number): Promise<void> {
    const start = this.#now();
    await this.db.signal("SIGKILL");
    await sleep(downMs);
    await this.db.start();
    this.#record("db_kill", null, start);
  }

  /** The log as stored, its epoch and the `responses` rows. */
  async readLog(): Promise<{ log: LogEntry[]; epoch: string; responses: ResponseRow[] }> {
    const pool = this.pool();
    try {
      const [rows] = await pool.query(
        "SELECT seq, kind, response_id, frame FROM ws_events ORDER BY seq",
      );
      const [meta] = await pool.query("SELECT epoch FROM ws_meta WHERE id = 1");
      const [rows2] = await pool.query("SELECT id, status, decided_by FROM responses ORDER BY id");
      return {
        log: (rows as Record<string, unknown>[]).map((r) => ({
          seq: Number(r.seq),
          kind: String(r.kind),
          responseId: Number(r.response_id),
          frame: String(r.frame),
        })),
        epoch: String((meta as Record<string, unknown>[])[0]?.epoch),
        responses: (rows2 as Record<string, unknown>[]).map((r) => ({
          id: Number(r.id),
          status: String(r.status),
          decidedBy: r.decided_by === null ? null : String(r.decided_by),
        })),
      };
    } finally {
      await pool.end();
    }
  }

  /** The log's head now (`MAX(seq)`). */
  async head(): Promise<number> {
    const pool = this.pool();
    try {
      const [rows] = await pool.query("SELECT COALESCE(MAX(seq), 0) AS head FROM ws_events");
      return Number((rows as Record<string, unknown>[])[0]?.head ?? 0);
    } finally {
      await pool.end();
    }
  }

  /** Every process's output so far (for a failure report). */
  output(): string {
    return this.#slots.map((s, i) => `--- p${i}\n${s.output}${s.server?.output() ?? ""}`).join(
      "\n",
    );
  }

  /** Stops everything and removes the data. */
  async dispose(): Promise<void> {
    for (const [i, slot] of this.#slots.entries()) {
      await slot.server?.kill();
      this.#retire(i);
    }
    await Promise.all([this.db.remove(), this.redis.remove()]);
  }
}
