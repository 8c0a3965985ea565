/**
 * `listen()`: the server's listener, wired. It reads the TLS files, derives
 * the connection limits from the open-file limit, and starts the HTTP layer
 * with the protocol's timeouts and an observer that turns what the layer sees
 * (shed connections, failed accepts, late heads, unanswered closes) into
 * metrics and rate-limited log lines.
 * @module
 */
import type { Clock } from "./clock.ts";
import { type Config, ConfigError } from "./config.ts";
import type { Logger } from "./logging/logger.ts";
import { RateLimitedLog } from "./logging/rate_limited_log.ts";
import type { Metrics } from "./metrics/metrics.ts";
import {
  openFileLimit,
  probeOpenFileLimit,
  type ResolvedLimits,
  resolveLimits,
} from "./transport/fd_limit.ts";
import type { Handler } from "./transport/http_connection.ts";
import { HttpServer } from "./transport/http_server.ts";
import { peerRateLimits } from "./transport/peer_rate.ts";
import { accountLimit } from "./transport/account.ts";
import { WriteScheduler } from "./transport/write_scheduler.ts";

/** Time a connection has to complete its request head (PROTOCOL.md §4, v1.1). */
export const HEADER_TIMEOUT_MS = 10_000;
/** Time a peer has to answer the server's close before it is dropped (§4, v1.1). */
export const CLOSE_TIMEOUT_MS = 5_000;

/** What `listen` needs besides the configuration. */
export interface ListenDeps {
  /** Time, for the sweeper and the accept loop's pauses. */
  readonly clock: Clock;
  /** Where the layer's troubles are logged (at most one line per kind per 10 s). */
  readonly logger: Logger;
  /** Where they are counted. */
  readonly metrics: Metrics;
  /** The request handler, made once the limits are known (the upgrade needs `maxConnections`). */
  readonly handler: (limits: ResolvedLimits) => Handler;
}

/** A listening server, its limits, and whether it speaks TLS. */
export interface Listening {
  /** The HTTP layer. */
  readonly httpServer: HttpServer;
  /** The limits in force. */
  readonly limits: ResolvedLimits;
  /** The certificate and key, when serving TLS. */
  readonly tls: { readonly cert: string; readonly key: string } | null;
}

/**
 * Starts listening.
 * @param config the configuration
 * @param deps clock, logger, metrics and the handler
 * @returns the server, its limits and its TLS
 * @throws {ConfigError} when the TLS files cannot be read
 */
export function listen(config: Config, deps: ListenDeps): Listening {
  const { clock, logger, metrics } = deps;
  const tls = config.tls ? readTls(config.tls) : null;
  const nofile = openFileLimit() ?? probeOpenFileLimit();
  // TRANSPORT_IO=node holds two descriptors per connection (the duplicate on the node:net handle).
  const perConn = config.transportIo === "node" && !tls ? 2 : 1;
  const limits = resolveLimits(config, nofile === null ? null : Math.floor(nofile / perConn));
  if (limits.warning) logger.warn(limits.warning);
  const transportLog = new RateLimitedLog(logger, clock, 10_000);
  const httpServer = new HttpServer({
    hostname: config.host,
    port: config.port,
    tls,
    reusePort: config.workers > 1,
    io: config.transportIo,
    limits,
    maxBodyBytes: config.maxMessageBytes,
    maxMessageBytes: config.maxMessageBytes,
    headerTimeoutMs: HEADER_TIMEOUT_MS,
    closeTimeoutMs: CLOSE_TIMEOUT_MS,
    idleTimeoutMs: idleTimeoutSeconds(config) * 1000,
    trustedProxies: config.trustedProxies,
    clock,
    peerRate: peerRateLimits(config.rateLimitPerSec, config.rateLimitBurst, config.maxMessageBytes),
    accountLimitBytes: accountLimit(config.maxMessageBytes, config.maxBufferedBytes),
    writeScheduler: new WriteScheduler(config.writesPerTurn),
    observer: {
      shed: (reason) => {
        metrics.increment("ws_connections_shed_total", { reason });
        transportLog.warn(`shed:${reason}`, "connections refused", {
          reason,
          hint: reason === "fds"
            ? "out of file descriptors: raise ulimit -n / LimitNOFILE"
            : undefined,
        });
      },
      acceptError: (error) => {
        metrics.increment("ws_accept_errors_total", { code: errorCode(error) });
        transportLog.warn("accept", "accept failed", { error });
      },
      handlerError: (error) => logger.error("request handler failed", { error }),
      headerTimeout: () => metrics.increment("ws_header_timeouts_total"),
      closeTimeout: () => metrics.increment("ws_close_timeouts_total"),
      writeTimeout: () => metrics.increment("ws_write_timeouts_total"),
    },
    handler: deps.handler(limits),
  });
  return { httpServer, limits, tls };
}

/**
 * The protocol ping setting. The HTTP layer pings a connection after half
 * this much silence and closes it 1001 after all of it. Chosen so that a
 * client heartbeating every interval is never pinged (half of it exceeds the
 * interval), while a peer that is gone and answers nothing is closed 1001
 * just before the 4008 supervisor would act.
 * @param config the heartbeat settings
 * @returns seconds (at least 1)
 */
export function idleTimeoutSeconds(
  config: Pick<Config, "heartbeatIntervalMs" | "heartbeatTimeoutMs">,
): number {
  return Math.max(
    1,
    Math.floor((config.heartbeatTimeoutMs - config.heartbeatIntervalMs / 4) / 1000),
  );
}

function errorCode(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" && /^[A-Z0-9_]{1,32}$/.test(code) ? code : "other";
}

function readTls(files: { certFile: string; keyFile: string }): { cert: string; key: string } {
  const read = (path: string, variable: string) => {
    try {
      return Deno.readTextFileSync(path);
    } catch (e) {
      throw new ConfigError(variable, `cannot read '${path}': ${(e as Error).message}`);
    }
  };
  return { cert: read(files.certFile, "SSL_CERT_FILE"), key: read(files.keyFile, "SSL_KEY_FILE") };
}
