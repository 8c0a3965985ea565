/**
 * `ClusterStats`: everything the cluster view needs, composed for `serve()`:
 * the dependency watch, the SR → EVENT timer, this process's collector and
 * reporter, and, once the database answered, the board (Redis when
 * configured, with the database as fallback).
 * @module
 */
import type { TokenVerifier } from "../auth/jwt.ts";
import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { WebSocketManager } from "../connection/manager.ts";
import type { Logger } from "../logging/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { LogStore } from "../store/log_store.ts";
import type { NodeStore } from "../store/node_store.ts";
import { ClusterBoard, StoreBoard } from "./figures_board.ts";
import { NodeCollector, nodeIdentity } from "./collect.ts";
import { DependencyWatch } from "./dependencies.ts";
import { RedisBoard } from "./redis_board.ts";
import { NodeReporter } from "./reporter.ts";
import type { DashboardDeps } from "./routes.ts";
import { SrEventTimer } from "./sr_latency.ts";

/** What `ClusterStats` reads. */
export interface ClusterStatsDeps {
  /** Whether a broker is configured, and the log's retention. */
  readonly config: Pick<Config, "redisUrl" | "eventRetentionHours">;
  /** The log and the figures board when Redis is absent. */
  readonly store: Pick<LogStore, "oldestSeq"> & NodeStore;
  /** Where this process's figures are read. */
  readonly metrics: Metrics;
  /** This process's alive clients. */
  readonly manager: WebSocketManager;
  /** The highest seq this process delivered. */
  readonly head: () => number;
  /** Time, for the reports. */
  readonly clock: Clock;
  /** Where failed reports are logged. */
  readonly logger: Logger;
  /** The secret tokens are verified with (the generated one in development mode). */
  readonly secret: string;
}

/** The cluster view's parts of one process. */
export class ClusterStats {
  /** The database's and the broker's last known states. */
  readonly dependencies: DependencyWatch;
  /** Times SR → EVENT for the dashboard's latency figures. */
  readonly srTimer: SrEventTimer;
  /** Publishes this process's figures and reads everyone's. */
  readonly reporter: NodeReporter;
  readonly #d: ClusterStatsDeps;
  #epoch = "";

  /**
   * Creates the parts; `start(epoch)` begins reporting, once the log's epoch is known.
   * @param d the process's parts
   */
  constructor(d: ClusterStatsDeps) {
    this.#d = d;
    const identity = nodeIdentity(d.clock.now());
    d.metrics.set("ws_node_info", 1, {
      node: identity.node,
      host: identity.host,
      pid: identity.pid,
    });
    this.dependencies = new DependencyWatch({
      brokerConfigured: d.config.redisUrl !== "",
      metrics: d.metrics,
    });
    this.srTimer = new SrEventTimer(d.clock, d.metrics);
    const collector = new NodeCollector({
      identity,
      metrics: d.metrics,
      clock: d.clock,
      clients: (limit) => d.manager.describeOldestAliveClients(limit),
      epoch: () => this.#epoch,
      head: d.head,
      oldest: () => d.store.oldestSeq(),
      retentionHours: d.config.eventRetentionHours,
      dependencies: () => this.dependencies.state(),
    });
    this.reporter = new NodeReporter({ collector, clock: d.clock, logger: d.logger });
  }

  /**
   * Starts publishing, once the store is initialised.
   * @param epoch the event log's epoch
   */
  start(epoch: string): void {
    this.#epoch = epoch;
    const { config, store, logger, secret } = this.#d;
    const redis = config.redisUrl === ""
      ? null
      : new RedisBoard({ url: config.redisUrl, epoch, secret, logger });
    this.reporter.start(new ClusterBoard(redis, new StoreBoard(store), logger));
  }

  /** Stops publishing (before the store closes). */
  stop(): Promise<void> {
    return this.reporter.stop();
  }

  /**
   * The dashboard routes' dependencies.
   * @param auth verifies tokens
   * @param page serves the dashboard's HTML
   * @returns them
   */
  routes(auth: TokenVerifier, page: (host: string) => Promise<Response>): DashboardDeps {
    return { reporter: this.reporter, auth, clock: this.#d.clock, page };
  }
}
