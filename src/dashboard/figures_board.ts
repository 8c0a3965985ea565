/**
 * Where processes leave their figures for each other. `ClusterBoard` writes
 * through Redis while it answers and through the database otherwise, and
 * reads both, keeping each node's freshest record: a process that lost Redis
 * (and writes to the database) and one that did not still see each other.
 * @module
 */
import type { Logger } from "../logging/logger.ts";
import type { NodeStore } from "../store/node_store.ts";
import { type NodeFigures, parseNodeFigures } from "./figures.ts";

/** A place processes publish figures to and read them from. */
export interface FiguresBoard {
  /**
   * Publishes this process's figures, replacing its previous record.
   * @throws when the transport does not answer
   */
  publish(figures: NodeFigures): Promise<void>;
  /**
   * Every record updated at or after `since` (ms), one per node.
   * @throws when the transport does not answer
   */
  read(since: number): Promise<NodeFigures[]>;
  /** Stops; idempotent. */
  close(): Promise<void>;
}

/** How long a dead process's record is kept before it is deleted (ms). */
export const FORGET_AFTER_MS = 3_600_000;
/** How often the database board deletes records of dead processes (publishes). */
const FORGET_EVERY = 60;

/** The figures board in the database (`ws_nodes`). */
export class StoreBoard implements FiguresBoard {
  readonly #store: NodeStore;
  #writes = 0;

  /**
   * Creates a board over the database's `ws_nodes` table.
   * @param store the process's store
   */
  constructor(store: NodeStore) {
    this.#store = store;
  }

  /** Writes this process's row; every so often also deletes long-dead rows. */
  async publish(figures: NodeFigures): Promise<void> {
    const forget = this.#writes++ % FORGET_EVERY === 0
      ? figures.updated_at - FORGET_AFTER_MS
      : undefined;
    await this.#store.writeNode(
      {
        node: figures.node,
        updatedAt: Math.trunc(figures.updated_at),
        figures: JSON.stringify(figures),
      },
      forget,
    );
  }

  /** The rows updated since `since` that parse as figures. */
  async read(since: number): Promise<NodeFigures[]> {
    const rows = await this.#store.readNodes(since);
    return rows.map((r) => parseNodeFigures(r.figures)).filter((f): f is NodeFigures => f !== null);
  }

  /** Nothing to close: the store belongs to the server. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Redis when it answers, the database otherwise. */
export class ClusterBoard implements FiguresBoard {
  readonly #redis: FiguresBoard | null;
  readonly #db: FiguresBoard;
  readonly #logger: Logger;
  #via: "redis" | "database" | null = null;

  /**
   * Creates a board that uses Redis while it answers and the database otherwise.
   * @param redis the Redis board, or null when `REDIS_URL` is not set
   * @param db the database board
   * @param logger where a change of transport is logged
   */
  constructor(redis: FiguresBoard | null, db: FiguresBoard, logger: Logger) {
    this.#redis = redis;
    this.#db = db;
    this.#logger = logger;
  }

  /** Where the last publish went. */
  get via(): "redis" | "database" | null {
    return this.#via;
  }

  /** Publishes through Redis, or through the database when Redis fails. */
  async publish(figures: NodeFigures): Promise<void> {
    if (this.#redis !== null) {
      try {
        await this.#redis.publish(figures);
        this.#switch("redis");
        return;
      } catch (e) {
        this.#logger.debug("figures: Redis publish failed", { error: e });
      }
    }
    await this.#db.publish(figures);
    this.#switch("database");
  }

  /** Reads both boards; each node's freshest record wins. */
  async read(since: number): Promise<NodeFigures[]> {
    const boards = this.#redis === null ? [this.#db] : [this.#redis, this.#db];
    const results = await Promise.allSettled(boards.map((b) => b.read(since)));
    const byNode = new Map<string, NodeFigures>();
    let answered = 0;
    for (const r of results) {
      if (r.status !== "fulfilled") continue;
      answered++;
      for (const f of r.value) {
        const known = byNode.get(f.node);
        if (!known || known.updated_at < f.updated_at) byNode.set(f.node, f);
      }
    }
    if (answered === 0) throw (results[0] as PromiseRejectedResult).reason;
    return [...byNode.values()];
  }

  /** Closes the Redis board. */
  async close(): Promise<void> {
    await this.#redis?.close();
    await this.#db.close();
  }

  #switch(via: "redis" | "database"): void {
    if (this.#via !== null && this.#via !== via) {
      this.#logger.info("figures now published through the " + via);
    }
    this.#via = via;
  }
}
