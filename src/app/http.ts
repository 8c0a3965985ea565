/**
 * `listenFor()`: the HTTP side of a server process. It listens at once (so
 * `/healthz` answers while the database is still coming up) and routes every
 * request to the parts `assemble` built.
 * @module
 */
import type { TimerHandle } from "../clock.ts";
import { RateLimiter } from "../connection/rate_limit.ts";
import { DEFAULT_HISTORY_LIMITS, HistoryLimiter } from "../history/limiter.ts";
import { createHandler } from "../http/routes.ts";
import { StaticFiles } from "../http/static.ts";
import { listen, type Listening } from "../listen.ts";
import type { AppParts } from "./parts.ts";

/**
 * (issue 13) Requests to `/api/*` one client address may make: generous for
 * pages and scripts, a bound for a flood (429 beyond).
 */
export const API_PER_ADDRESS = { ratePerSec: 50, burst: 200 } as const;

/** The listening side of a process. */
export interface ListeningProcess extends Listening {
  /** The timer that updates the socket gauges every second (cleared at shutdown). */
  readonly gauges: TimerHandle;
}

/**
 * Listens and routes to the parts.
 * @param parts the process's parts
 * @param worker the worker index in a cluster, or null
 * @returns the listening server
 * @throws {ConfigError} when the TLS files cannot be read
 */
export function listenFor(parts: AppParts, worker: number | null): ListeningProcess {
  const { config, clock, logger, metrics, manager, people, clusterStats } = parts;
  const files = new StaticFiles();
  const historyLimiter = new HistoryLimiter(DEFAULT_HISTORY_LIMITS);
  const { httpServer, limits, tls } = listen(config, {
    clock,
    logger,
    metrics,
    handler: (limits) =>
      createHandler({
        upgrade: {
          manager,
          handler: parts.handler,
          logger,
          allowedOrigins: config.allowedOrigins,
          maxConnections: limits.maxConnections,
          stopping: parts.gate.stopping,
        },
        manager,
        readiness: parts.readiness,
        metrics,
        files,
        auth: people.gate,
        commands: parts.commands,
        apiLimiter: new RateLimiter(config.rateLimitPerSec, config.rateLimitBurst),
        historyLimiter,
        apiAddressLimiter: new RateLimiter(API_PER_ADDRESS.ratePerSec, API_PER_ADDRESS.burst),
        clock,
        logger,
        maxMessageBytes: config.maxMessageBytes,
        dashboard: clusterStats.routes(
          people.gate,
          (host) => files.document("dashboard.html", host),
        ),
        admin: people.routes({
          connections: async () => (await clusterStats.reporter.cluster()).clients,
        }),
        metricsToken: config.metricsToken,
        process: { pid: Deno.pid, worker },
      }),
  });
  metrics.set("ws_sockets_limit", limits.maxSockets);
  const gauges = clock.setInterval(() => {
    metrics.set("ws_sockets", httpServer.budget.open, { state: "open" });
    metrics.set("ws_sockets", httpServer.budget.pending, { state: "pending" });
  }, 1000);
  return { httpServer, limits, tls, gauges };
}
