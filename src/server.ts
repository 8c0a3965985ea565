/**
 * `serve()`: one server process, composed from its parts. It listens at once
 * (so `/healthz` answers), then brings up the database, the broker and the
 * event feed, retrying while they do not answer; protocol traffic is served
 * once `/readyz` would say 200. SIGTERM/SIGINT stop it gracefully.
 * @module
 */
import { randomSecret, TokenAuthority } from "./auth/jwt.ts";
import type { Broker } from "./broker/broker.ts";
import type { ClusterLink } from "./broker/cluster_broker.ts";
import { createBroker } from "./broker/factory.ts";
import { type Clock, systemClock, type TimerHandle } from "./clock.ts";
import type { CommandDeps } from "./commands/context.ts";
import { type Config, ConfigError } from "./config.ts";
import { WebSocketManager } from "./connection/manager.ts";
import { RateLimiter } from "./connection/rate_limit.ts";
import { ConnectionHandler } from "./connection/connection_handler.ts";
import { ClientSync } from "./connection/sync.ts";
import { Readiness } from "./http/readiness.ts";
import { createHandler } from "./http/routes.ts";
import { StaticFiles } from "./http/static.ts";
import { EventFeed } from "./log/feed.ts";
import { createLogger, type Logger } from "./logging/logger.ts";
import { SnapshotSource } from "./log/snapshot.ts";
import { Metrics } from "./metrics/metrics.ts";
import { CLOSE } from "./protocol/codes.ts";
import { createPostTextFetcher, fetchDepsFromConfig } from "./review/fetch_post_text.ts";
import { processPendingResponse, renderSnapshotItem } from "./review/process_pending_response.ts";
import { AnnounceScanner } from "./review/announce_scanner.ts";
import { createRenderer } from "./review/render.ts";
import { createStore } from "./store/factory.ts";
import { delay, settleWithin } from "./async/deadline.ts";
import { exponentialDelay } from "./async/backoff.ts";
import { ProcessFanout } from "./fanout/event_fanout.ts";
import { CLOSE_TIMEOUT_MS, listen } from "./listen.ts";
import { PresenceService } from "./presence/service.ts";
import { type PresenceTransport, StorePresence } from "./presence/transport.ts";
import { FallbackPresence, RedisPresence } from "./presence/redis_transport.ts";
import { printDevelopmentBanner } from "./dev_mode.ts";
import { checkStoreAccess, permanentFailure } from "./startup_failure.ts";
import { ClusterStats } from "./dashboard/cluster_stats.ts";
import { People } from "./people/people.ts";
import { DEFAULT_HISTORY_LIMITS, HistoryLimiter } from "./history/limiter.ts";

/**
 * (issue 13) Requests to `/api/*` one client address may make: generous for
 * pages and scripts, a bound for a flood (429 beyond).
 */
export const API_PER_ADDRESS = { ratePerSec: 50, burst: 200 } as const;
import { PublicationScheduler } from "./publication/scheduler.ts";
import { MetricsObserver } from "./publication/deps.ts";
import { QueueGauges } from "./publication/gauges.ts";

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
  const metrics = new Metrics();
  const developmentMode = config.authSecret === "";
  // A worker takes its supervisor's development secret: tokens of the banner
  // (printed once, by the supervisor) then work on every worker.
  const secret = developmentMode ? (options.cluster?.secret ?? randomSecret()) : config.authSecret;
  const authority = new TokenAuthority(secret);
  if (config.tlsNote) logger.info(config.tlsNote);
  checkStoreAccess(config);

  const store = createStore(config, {
    observe: (op, seconds) => metrics.observe("ws_db_query_seconds", seconds, { op }),
  });
  const readiness = new Readiness(clock, logger, config.dbTimeoutMs);
  let broker: Broker | null = null;
  let stopping = false;

  const manager: WebSocketManager = new WebSocketManager({
    clock,
    logger,
    metrics,
    maxBufferedBytes: config.maxBufferedBytes,
    helloTimeoutMs: config.helloTimeoutMs,
    heartbeatTimeoutMs: config.heartbeatTimeoutMs,
    onGap: (client) => void sync.catchUp(client),
  });
  // v1.2: every door checks tokens through people.gate (policy and revocation included).
  const people = new People({
    config,
    authority,
    secret,
    store,
    manager,
    clock,
    logger,
    metrics,
  });
  const auth = people.gate;
  const feed = new EventFeed({
    store,
    clock,
    logger,
    metrics,
    pollMs: config.logPollMs,
    sink: (seq, frame) => {
      manager.deliverEvent(seq, frame);
      clusterStats.srTimer.delivered(seq);
    },
  });
  const clusterStats = new ClusterStats({
    config,
    store,
    metrics,
    manager,
    head: () => feed.head,
    clock,
    logger,
    secret,
  });
  const renderer = createRenderer();
  const snapshots = new SnapshotSource(
    store,
    (row) => renderSnapshotItem(row, renderer),
    () => clock.now(),
  );
  const sync: ClientSync = new ClientSync({
    store,
    feed,
    manager,
    snapshots,
    logger,
    metrics,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    heartbeatTimeoutMs: config.heartbeatTimeoutMs,
    slaMinutes: config.slaMinutes,
    replayHighWaterBytes: Math.floor(config.maxBufferedBytes / 2),
    onLive: (client) => presence?.welcome(client),
    undoWindowMs: config.publication.undoWindowMs,
    claimLeaseMs: config.claimLeaseMs,
  });
  const processId = crypto.randomUUID();
  // Presence goes through Redis when it is configured and answering, through the database otherwise.
  const presenceTransport = (): PresenceTransport => {
    const db = new StorePresence(store, processId, clock, config.heartbeatTimeoutMs);
    if (config.redisUrl === "") return db;
    const redis = new RedisPresence({
      url: config.redisUrl,
      epoch: store.epoch(),
      processId,
      secret,
      clock,
      logger,
      staleMs: config.heartbeatTimeoutMs,
    });
    return new FallbackPresence(redis, db, logger);
  };
  let presence: PresenceService | null = null;
  const fetchPost = createPostTextFetcher(fetchDepsFromConfig(config, metrics));
  const fanout = new ProcessFanout({
    metrics,
    feed,
    broker: () => broker,
    logger,
    onPublish: (event) => clusterStats.srTimer.appended(event),
  });
  // v1.2: one scheduler per process moves passed undo windows and lapsed leases.
  const publicationObserver = new MetricsObserver(metrics);
  const scheduler = new PublicationScheduler({
    store,
    clock,
    logger,
    fanout,
    observer: publicationObserver,
    settings: config.publication,
  });
  const queueGauges = new QueueGauges(store, metrics, clock, logger);
  const commands: CommandDeps = {
    auth,
    store,
    clock,
    logger,
    isReady: () => readiness.isReady() && !stopping,
    claimLeaseMs: config.claimLeaseMs,
    claimMaxPerUser: config.claimMaxPerUser,
    processPending: (id) => {
      clusterStats.srTimer.begin(id);
      return processPendingResponse(id, { store, fetchPostText: fetchPost, renderer, logger });
    },
    fanout,
    publication: {
      settings: config.publication,
      card: (row) => renderSnapshotItem(row, renderer),
      observer: publicationObserver,
      waker: scheduler,
    },
  };
  // v1.2: rows inserted without an SR reach operators all the same (ANNOUNCE_SCAN_MS).
  const scanner = new AnnounceScanner({
    store,
    announce: (id) =>
      processPendingResponse(id, { store, fetchPostText: fetchPost, renderer, logger }),
    fanout: commands.fanout,
    clock,
    logger,
    metrics,
    periodMs: config.announceScanMs,
    slaMinutes: config.slaMinutes,
  });
  const handler = new ConnectionHandler({
    manager,
    sync,
    deps: commands,
    clock,
    logger,
    metrics,
    maxMessageBytes: config.maxMessageBytes,
    rateLimitPerSec: config.rateLimitPerSec,
    rateLimitBurst: config.rateLimitBurst,
  });

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
          handler,
          logger,
          allowedOrigins: config.allowedOrigins,
          maxConnections: limits.maxConnections,
          stopping: () => stopping,
        },
        manager,
        readiness,
        metrics,
        files,
        auth,
        commands,
        apiLimiter: new RateLimiter(config.rateLimitPerSec, config.rateLimitBurst),
        historyLimiter,
        apiAddressLimiter: new RateLimiter(API_PER_ADDRESS.ratePerSec, API_PER_ADDRESS.burst),
        clock,
        logger,
        maxMessageBytes: config.maxMessageBytes,
        dashboard: clusterStats.routes(auth, (host) => files.document("dashboard.html", host)),
        admin: people.routes({
          connections: async () => (await clusterStats.reporter.cluster()).clients,
        }),
        metricsToken: config.metricsToken,
        process: { pid: Deno.pid, worker: options.cluster?.index ?? null },
      }),
  });
  metrics.set("ws_sockets_limit", limits.maxSockets);
  const gauges = clock.setInterval(() => {
    metrics.set("ws_sockets", httpServer.budget.open, { state: "open" });
    metrics.set("ws_sockets", httpServer.budget.pending, { state: "pending" });
  }, 1000);
  const addr = httpServer.addr;
  const url = baseUrl(config, addr.port);
  logger.info("listening", {
    url,
    database: store.dialect,
    tls: Boolean(tls),
    max_connections: limits.maxConnections,
    max_pending: limits.maxPending,
    max_sockets: limits.maxSockets,
  });
  manager.startHeartbeat();
  if (developmentMode && !options.cluster) {
    await printDevelopmentBanner(authority, url, { host: config.host, logger });
  }

  let pruneTimer: TimerHandle | null = null;
  let failure: ConfigError | null = null;
  const gaveUp = Promise.withResolvers<void>();
  const bringUp = (async () => {
    for (let attempt = 0; !stopping; attempt++) {
      let storeUp = false;
      try {
        await store.init();
        storeUp = true;
        broker = createBroker(
          { redisUrl: config.redisUrl, secret, cluster: options.cluster?.link ?? null },
          store.epoch(),
          logger,
          metrics,
        );
        await broker.start((seq, frame) => feed.offer(seq, frame, "broker"));
        await feed.start();
        await people.start(store.epoch());
        presence ??= new PresenceService({
          manager,
          transport: presenceTransport(),
          clock,
          logger,
          processId,
        });
        presence.start();
        const prune = () =>
          store.prune(new Date(clock.now() - config.eventRetentionHours * 3_600_000))
            .then((n) => n > 0 && logger.info("event log pruned", { events: n }))
            .catch((e) => logger.warn("prune failed", { error: e }));
        // Pruned before ready: a client never resumes from events about to go.
        await prune();
        const running = broker;
        const watch = clusterStats.dependencies;
        readiness.start({
          database: watch.observe("database", () => store.ping()),
          broker: running.kind === "local" ? null : watch.observe("broker", () => running.ping()),
        });
        await readiness.check();
        pruneTimer = clock.setInterval(prune, 60_000);
        clusterStats.start(store.epoch());
        scanner.start();
        scheduler.start();
        queueGauges.start();
        logger.info("started", { epoch: store.epoch(), head: feed.head, broker: broker.kind });
        return;
      } catch (e) {
        await broker?.close().catch(() => {});
        broker = null;
        // Only the store's own failures are judged here; the broker is waited for.
        failure = storeUp ? null : permanentFailure(e, config);
        if (failure) {
          logger.error("start-up failed and cannot recover", {
            variable: failure.variable,
            error: failure.message,
          });
          gaveUp.resolve();
          return;
        }
        const wait = exponentialDelay(attempt, 250, 10_000);
        logger.warn("start-up waiting for the database", { error: e, retry_in_ms: wait });
        await delay(wait, clock);
      }
    }
  })();

  const finished = Promise.withResolvers<void>();
  let shutdownPromise: Promise<void> | null = null;
  const shutdown = (reason = "shutdown"): Promise<void> => {
    shutdownPromise ??= (async () => {
      stopping = true;
      logger.info("stopping", { reason, clients: manager.clients.size });
      readiness.stop("stopping");
      httpServer.close();
      manager.closeAll(CLOSE.restarting, "server restarting");
      await settleWithin(handler.settled(), 10_000);
      // Let the close handshakes finish so clients see 1012, not a dropped socket.
      await settleWithin(waitUntil(() => manager.clients.size === 0, clock), CLOSE_TIMEOUT_MS);
      manager.stopHeartbeat();
      feed.stop();
      await settleWithin(scheduler.stop(), 3_000);
      queueGauges.stop();
      await clusterStats.stop();
      if (pruneTimer !== null) clock.clearInterval(pruneTimer);
      scanner.stop();
      clock.clearInterval(gauges);
      httpServer.terminateAll();
      await settleWithin(httpServer.finished, 3_000);
      await settleWithin(bringUp, 1_000);
      if (presence) await settleWithin(presence.stop(), 1_000);
      await settleWithin(people.stop(), 1_000);
      await broker?.close().catch(() => {});
      await store.close().catch(() => {});
      logger.info("stopped");
      finished.resolve();
    })();
    return shutdownPromise;
  };
  void gaveUp.promise.then(() => shutdown("start-up failed"));
  if (options.handleSignals) {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      Deno.addSignalListener(signal, () => void shutdown(signal));
    }
  }
  return {
    port: addr.port,
    url,
    manager,
    metrics,
    finished: finished.promise,
    shutdown,
    startupFailure: () => failure,
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

async function waitUntil(condition: () => boolean, clock: Clock): Promise<void> {
  while (!condition()) await delay(10, clock);
}

export { CLOSE_TIMEOUT_MS, HEADER_TIMEOUT_MS, idleTimeoutSeconds } from "./listen.ts";
