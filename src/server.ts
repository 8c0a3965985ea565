/**
 * `serve()`: one server process, composed from its parts. It listens at once
 * (so `/healthz` answers), then brings up the database, the broker and the
 * event feed, retrying while they do not answer; protocol traffic is served
 * once `/readyz` would say 200. SIGTERM/SIGINT stop it gracefully.
 * @module
 */
import type { ClusterLink } from "./broker/cluster_broker.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { Config, ConfigError } from "./config.ts";
import type { WebSocketManager } from "./connection/manager.ts";
import { createLogger, type Logger } from "./logging/logger.ts";
import type { Metrics } from "./metrics/metrics.ts";
import { printDevelopmentBanner } from "./dev_mode.ts";
import { checkStoreAccess } from "./startup_failure.ts";
import { assemble } from "./app/parts.ts";
import { listenFor } from "./app/http.ts";
import { bringUp, StartUp } from "./app/bring_up.ts";
import { shutDown } from "./app/shut_down.ts";

export { API_PER_ADDRESS } from "./app/http.ts";

/** Options of `serve`. */
export interface ServeOptions {
  /** Time; default: the system clock. */
  readonly clock?: Clock;
  /** Where the server logs; default: JSON lines at `LOG_LEVEL`. */
  readonly logger?: Logger;
  /** Install SIGTERM/SIGINT handlers (the process entry point does). */
  readonly handleSignals?: boolean;
  /** Set in a worker of a supervisor (`WORKERS` > 1; see `src/cluster/`). */
  readonly cluster?: ClusterMember;
}

/** What a worker has from its supervisor. */
export interface ClusterMember {
  /** The worker's index, 1…`WORKERS` (in `/stats` as `process.worker`). */
  readonly index: number;
  /** Development mode's secret, shared by every worker; null when `AUTH_SECRET` is set. */
  readonly secret: string | null;
  /** The channel events travel between the workers by, when there is no `REDIS_URL`. */
  readonly link: ClusterLink;
}

/** A running server. */
export interface ServerHandle {
  /** The port it listens on. */
  readonly port: number;
  /** Its base URL (`http://…` or `https://…`). */
  readonly url: string;
  /** The registry of connections. */
  readonly manager: WebSocketManager;
  /** The process's Prometheus metrics. */
  readonly metrics: Metrics;
  /** Resolves when the server has stopped. */
  readonly finished: Promise<void>;
  /** Stops gracefully: no new connections, clients closed 1012, commands finished, pool closed. */
  shutdown(reason?: string): Promise<void>;
  /** Why the start gave up (a failure that never heals, e.g. a path it may not write), or null. */
  startupFailure(): ConfigError | null;
}

/**
 * Starts a server process.
 * @param config the validated configuration
 * @param options clock, logger, signal handling
 * @returns the running server
 * @throws {ConfigError} when the TLS files cannot be read or `SQLITE_PATH` cannot be written
 */
export async function serve(config: Config, options: ServeOptions = {}): Promise<ServerHandle> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  if (config.tlsNote) logger.info(config.tlsNote);
  checkStoreAccess(config);
  const parts = assemble(config, { clock, logger, clusterSecret: options.cluster?.secret ?? null });
  const listening = listenFor(parts, options.cluster?.index ?? null);
  const { httpServer, limits } = listening;
  const port = httpServer.addr.port;
  const url = baseUrl(config, port);
  logger.info("listening", {
    url,
    database: parts.store.dialect,
    tls: listening.tls !== null,
    max_connections: limits.maxConnections,
    max_pending: limits.maxPending,
    max_sockets: limits.maxSockets,
  });
  parts.manager.startHeartbeat(httpServer.sweep);
  if (parts.developmentMode && !options.cluster) {
    await printDevelopmentBanner(parts.authority, url, { host: config.host, logger });
  }

  const startUp = new StartUp();
  const up = bringUp(parts, options.cluster?.link ?? null, startUp);
  startUp.done = up.then(() => {});
  const finished = Promise.withResolvers<void>();
  let stopped: Promise<void> | null = null;
  const shutdown = (reason = "shutdown"): Promise<void> => {
    stopped ??= shutDown(parts, listening, startUp, reason).then(finished.resolve);
    return stopped;
  };
  void up.then((ok) => {
    if (!ok) void shutdown("start-up failed");
  });
  if (options.handleSignals) {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      Deno.addSignalListener(signal, () => void shutdown(signal));
    }
  }
  return {
    port,
    url,
    manager: parts.manager,
    metrics: parts.metrics,
    finished: finished.promise,
    shutdown,
    startupFailure: () => startUp.failure,
  };
}

/**
 * The base URL shown for a listen address (`localhost` for a wildcard).
 * @param config TLS and the listen host
 * @param port the port
 * @returns e.g. `http://127.0.0.1:8765`
 */
export function baseUrl(config: Pick<Config, "tls" | "host">, port: number): string {
  const scheme = config.tls ? "https" : "http";
  const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
  return `${scheme}://${shownHost}:${port}`;
}

export { CLOSE_TIMEOUT_MS, HEADER_TIMEOUT_MS, idleTimeoutSeconds } from "./listen.ts";
