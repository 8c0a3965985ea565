/**
 * The fault suite's workload: modules insert `responses` rows and announce
 * them (`SR` frame or `POST /api/sr`, to random processes, retrying what was
 * refused or never answered); operators race `APPROVED`/`REJECTED` on what
 * they see arrive, each through its own hopping, resuming connection. Every
 * command and its outcome goes into `ops`.
 * @module
 */
import type mysql from "mysql2/promise";
import { mintToken } from "../_support/server.ts";
import type { Cluster } from "./cluster.ts";
import type { ConnectionRecord, Op, OpKind, Outcome } from "./history.ts";
import { type Frame, Peer, type PeerOptions } from "./peer.ts";
import type { Prng } from "./prng.ts";

/** How big the workload is. */
export interface WorkloadSize {
  readonly modules: number;
  readonly operators: number;
}

/** How long a command may wait for its answer before it counts as indeterminate. */
const ANSWER_MS = 4000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const INSERT =
  "INSERT INTO responses (platform, post_url, post_text, author, response_text, status, created_at) " +
  "VALUES ('vk', 'https://vk.com/wall-1_1', 'a post', 'someone', ?, 'pending', UTC_TIMESTAMP(3))";

/** Modules and operators working on a cluster until stopped. */
export class Workload {
  readonly ops: Op[] = [];
  readonly connections: ConnectionRecord[] = [];
  readonly peers: Peer[] = [];
  readonly #cluster: Cluster;
  readonly #now: () => number;
  readonly #loops: Promise<void>[] = [];
  readonly #inflight = new Set<Promise<void>>();
  readonly #pools: mysql.Pool[] = [];
  #stopping = false;

  private constructor(cluster: Cluster, now: () => number) {
    this.#cluster = cluster;
    this.#now = now;
  }

  /**
   * Starts the clients.
   * @param cluster the system under test
   * @param rng the run's generator (each client gets a fork)
   * @param now the run's clock
   * @param size how many modules and operators
   * @returns the running workload
   */
  static async start(
    cluster: Cluster,
    rng: Prng,
    now: () => number,
    size: WorkloadSize,
  ): Promise<Workload> {
    const w = new Workload(cluster, now);
    for (let i = 0; i < size.operators; i++) await w.#operator(`op${i}`, rng.fork());
    for (let i = 0; i < size.modules; i++) await w.#module(`mod${i}`, rng.fork());
    return w;
  }

  /** The names of every client (all of them must have received every event). */
  get followers(): string[] {
    return this.peers.map((p) => p.name);
  }

  /** Stops issuing commands and waits for those in flight. */
  async quiesce(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#loops);
    while (this.#inflight.size > 0) await Promise.all([...this.#inflight]);
  }

  /** Waits until every client's position reaches `head`; returns the ones that did not. */
  async caughtUp(head: number, timeoutMs: number): Promise<string[]> {
    const done = await Promise.all(this.peers.map((p) => p.caughtUp(head, timeoutMs)));
    return this.peers.filter((_, i) => !done[i]).map((p) => p.name);
  }

  /** Closes every connection and pool. */
  async close(): Promise<void> {
    for (const p of this.peers) p.stop();
    await Promise.all(this.#pools.map((p) => p.end().catch(() => {})));
  }

  #peer(
    name: string,
    token: string,
    rng: Prng,
    hopMs: number,
    on: Pick<PeerOptions, "onEvent" | "onSnapshot">,
  ) {
    const peer = new Peer({
      name,
      token,
      rng,
      urls: Array.from({ length: this.#cluster.size }, (_, i) => this.#cluster.wsUrl(i)),
      now: this.#now,
      connections: this.connections,
      ops: this.ops,
      hopMs,
      ...on,
    });
    this.peers.push(peer);
    return peer;
  }

  #record(
    client: string,
    kind: OpKind,
    responseId: number,
    via: Op["via"],
    start: number,
    r: { process: number; outcome: Outcome },
  ): Outcome {
    this.ops.push({
      client,
      kind,
      responseId,
      process: r.process,
      via,
      start,
      end: this.#now(),
      outcome: r.outcome,
    });
    return r.outcome;
  }

  async #operator(name: string, rng: Prng): Promise<void> {
    const token = await mintToken(name, "operator");
    const tried = new Set<number>();
    const consider = (id: number, p: number) => {
      if (this.#stopping || tried.has(id) || !rng.chance(p)) return;
      tried.add(id);
      const job = sleep(rng.int(0, 250)).then(() => this.#decide(peer, rng, id));
      this.#inflight.add(job);
      job.finally(() => this.#inflight.delete(job));
    };
    const peer: Peer = this.#peer(name, token, rng, 4000, {
      onEvent: (f: Frame) => f.event === "pending" && consider(f.response_id, 0.5),
      onSnapshot: (items: Frame[]) => items.forEach((it) => consider(it.response_id, 0.3)),
    });
  }

  /** Approves or rejects; retries once or twice what was not answered or refused as unavailable. */
  async #decide(peer: Peer, rng: Prng, id: number): Promise<void> {
    const kind: OpKind = rng.chance(0.75) ? "approve" : "reject";
    const frame = kind === "approve"
      ? { type: "APPROVED", response_id: id }
      : { type: "REJECTED", response_id: id, reason: `no, says ${peer.name}` };
    for (let attempt = 0; attempt < 3 && !this.#stopping; attempt++) {
      const start = this.#now();
      const r = await peer.request(frame, ANSWER_MS);
      if (!r) {
        await sleep(300); // not connected right now: nothing was sent
        continue;
      }
      const outcome = this.#record(peer.name, kind, id, "ws", start, r);
      const retry = outcome.kind === "indeterminate" ||
        (outcome.kind === "error" && outcome.code === "unavailable");
      if (!retry || !rng.chance(0.6)) return;
      await sleep(rng.int(200, 500));
    }
  }

  async #module(name: string, rng: Prng): Promise<void> {
    const token = await mintToken(name, "module");
    const peer = this.#peer(name, token, rng, 2500, {});
    const pool = this.#cluster.pool();
    this.#pools.push(pool);
    this.#loops.push((async () => {
      let n = 0;
      while (!this.#stopping) {
        const id = await this.#insert(pool, `${name} reply ${n++}`);
        if (id === null) {
          await sleep(200);
          continue;
        }
        await this.#announce(peer, rng, token, id);
        await sleep(rng.int(30, 120));
      }
    })());
  }

  async #insert(pool: mysql.Pool, text: string): Promise<number | null> {
    try {
      const [res] = await Promise.race([
        pool.execute(INSERT, [text]),
        sleep(2000).then(() => {
          throw new Error("insert timed out");
        }),
      ]);
      return Number((res as { insertId: number }).insertId);
    } catch {
      return null; // the database is down: another module's insert would fail too
    }
  }

  /** Sends `SR` until it is acknowledged or refused for good (at most four tries). */
  async #announce(peer: Peer, rng: Prng, token: string, id: number): Promise<void> {
    for (let attempt = 0; attempt < 4; attempt++) {
      const start = this.#now();
      let via: Op["via"] = "ws";
      let r = rng.chance(0.35)
        ? null
        : await peer.request({ type: "SR", response_id: id }, ANSWER_MS);
      if (!r) {
        via = "http";
        r = await this.#post(rng.int(0, this.#cluster.size - 1), token, id);
      }
      const outcome = this.#record(peer.name, "sr", id, via, start, r);
      if (outcome.kind === "ack") return;
      if (outcome.kind === "error" && outcome.code !== "unavailable") return;
      if (this.#stopping) return;
      await sleep(rng.int(100, 400));
    }
  }

  async #post(
    process: number,
    token: string,
    id: number,
  ): Promise<{ process: number; outcome: Outcome }> {
    try {
      const res = await fetch(`${this.#cluster.url(process)}/api/sr`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ response_id: id }),
        signal: AbortSignal.timeout(ANSWER_MS),
      });
      const body = await res.json();
      const outcome: Outcome = res.status === 200
        ? { kind: "ack", seq: body.seq, duplicate: body.duplicate === true }
        : { kind: "error", code: String(body.code) };
      return { process, outcome };
    } catch (e) {
      return { process, outcome: { kind: "indeterminate", why: `http: ${(e as Error).name}` } };
    }
  }
}
