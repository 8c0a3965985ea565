/**
 * `NodeReporter`: publishes this process's figures about once a second (one
 * small write: a Redis hash field or a `ws_nodes` row) and answers the
 * cluster view on demand. Reading and summing happen only when someone asks
 * (the dashboard's poll, `/stats`), and concurrent askers share one read.
 * @module
 */
import type { Clock, TimerHandle } from "../clock.ts";
import type { Logger } from "../logging/logger.ts";
import { type ClusterFigures, clusterOf } from "./aggregate.ts";
import type { FiguresBoard } from "./figures_board.ts";
import type { NodeCollector } from "./collect.ts";

/** Options of a `NodeReporter`. */
export interface ReporterOptions {
  /** Gathers this process's figures. */
  readonly collector: NodeCollector;
  /** Time, for the publishing timer. */
  readonly clock: Clock;
  /** Where failed publishes and reads are reported. */
  readonly logger: Logger;
  /** How often figures are published (ms, default 1000). */
  readonly periodMs?: number;
  /** A record older than this is a process that is gone (ms, default 5000). */
  readonly staleMs?: number;
  /** How long one cluster view is reused for other askers (ms, default 250). */
  readonly reuseMs?: number;
  /** Longest wait for the other processes' figures before answering without them (ms, default 1000). */
  readonly readTimeoutMs?: number;
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  work.catch(() => {});
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Publishes this process's figures and assembles the cluster's. */
export class NodeReporter {
  readonly #o: ReporterOptions;
  #board: FiguresBoard | null = null;
  #timer: TimerHandle | null = null;
  #publishing = false;
  #failing = false;
  #view: { at: number; figures: Promise<ClusterFigures> } | null = null;

  /**
   * Creates a reporter; `start()` begins publishing.
   * @param options the collector, the clock and the periods
   */
  constructor(options: ReporterOptions) {
    this.#o = options;
  }

  /**
   * Starts publishing to a board (once the database answered).
   * @param board where the figures go
   */
  start(board: FiguresBoard): void {
    this.#board = board;
    this.#timer ??= this.#o.clock.setInterval(
      () => void this.publishNow(),
      this.#o.periodMs ?? 1000,
    );
    void this.publishNow();
  }

  /** Stops publishing and closes the board. */
  async stop(): Promise<void> {
    if (this.#timer !== null) this.#o.clock.clearInterval(this.#timer);
    this.#timer = null;
    const board = this.#board;
    this.#board = null;
    await board?.close().catch(() => {});
  }

  /** Publishes once now (skipped while a publish is still under way). */
  async publishNow(): Promise<void> {
    const board = this.#board;
    if (board === null || this.#publishing) return;
    this.#publishing = true;
    try {
      await board.publish(await this.#o.collector.collect());
      if (this.#failing) this.#o.logger.info("figures published again");
      this.#failing = false;
    } catch (e) {
      if (!this.#failing) this.#o.logger.warn("figures not published", { error: e });
      this.#failing = true;
    } finally {
      this.#publishing = false;
    }
  }

  /**
   * The cluster view: this process's figures taken now, and every other
   * process's latest fresh record. Without an answer from the board, this
   * process alone.
   * @returns the nodes, their total and the clients
   */
  cluster(): Promise<ClusterFigures> {
    const now = this.#o.clock.now();
    if (this.#view !== null && now - this.#view.at < (this.#o.reuseMs ?? 250)) {
      return this.#view.figures;
    }
    const figures = this.#assemble(now);
    this.#view = { at: now, figures };
    figures.catch(() => this.#view = null);
    return figures;
  }

  async #assemble(now: number): Promise<ClusterFigures> {
    const { collector } = this.#o;
    const own = collector.collect();
    let others: Awaited<ReturnType<FiguresBoard["read"]>> = [];
    if (this.#board !== null) {
      try {
        const read = this.#board.read(now - (this.#o.staleMs ?? 5000));
        others = (await withDeadline(read, this.#o.readTimeoutMs ?? 1000))
          .filter((f) => f.node !== collector.node);
      } catch (e) {
        this.#o.logger.debug("cluster figures unavailable; this process alone", { error: e });
      }
    }
    return clusterOf([await own, ...others], collector.node, now);
  }
}
