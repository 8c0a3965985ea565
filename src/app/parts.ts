/**
 * `assemble()`: the composition of one server process from its named parts,
 * as centrifuge's `node.go` wires a node. Nothing here starts anything that
 * needs the database: `bringUp` (start-up) and `shutDown` do that, in order.
 * The parts talk through named interfaces: the serving gate (readiness), the
 * review service (what `SR` runs), the client delivery (the feed's sink), the
 * broker and presence slots, and the SR → EVENT timer as their observer.
 * @module
 */
import { randomSecret, TokenAuthority } from "../auth/jwt.ts";
import type { Broker } from "../broker/broker.ts";
import type { Clock } from "../clock.ts";
import type { CommandDeps } from "../commands/context.ts";
import type { Config } from "../config.ts";
import { ConnectionHandler } from "../connection/connection_handler.ts";
import { WebSocketManager } from "../connection/manager.ts";
import { ClientSync } from "../connection/sync.ts";
import { ClusterStats } from "../dashboard/cluster_stats.ts";
import { ProcessFanout } from "../fanout/event_fanout.ts";
import { Readiness } from "../http/readiness.ts";
import { EventFeed } from "../log/event_feed.ts";
import { SnapshotSource } from "../log/snapshot.ts";
import type { Logger } from "../logging/logger.ts";
import { Metrics } from "../metrics/metrics.ts";
import { People } from "../people/people.ts";
import type { PresenceService } from "../presence/service.ts";
import { type PresenceTransport, StorePresence } from "../presence/transport.ts";
import { FallbackPresence, RedisPresence } from "../presence/redis_transport.ts";
import { MetricsObserver } from "../publication/deps.ts";
import { QueueGauges } from "../publication/gauges.ts";
import { PublicationScheduler } from "../publication/scheduler.ts";
import { AnnounceScanner } from "../review/announce_scanner.ts";
import { createPostTextFetcher, fetchDepsFromConfig } from "../review/fetch_post_text.ts";
import { renderSnapshotItem } from "../review/process_pending_response.ts";
import { createRenderer } from "../review/render.ts";
import { createStore } from "../store/factory.ts";
import type { Store } from "../store/store.ts";
import { ClientDelivery } from "./client_delivery.ts";
import { ReviewService } from "./review_service.ts";
import { ServingGate } from "./serving_gate.ts";
import { Slot } from "./slot.ts";

/** What `assemble` takes besides the configuration. */
export interface AssembleOptions {
  /** Time. */
  readonly clock: Clock;
  /** Where the server logs. */
  readonly logger: Logger;
  /** Development mode's secret from a supervisor (workers share it); null otherwise. */
  readonly clusterSecret: string | null;
}

/** The named parts of one server process. */
export interface AppParts {
  /** The validated configuration. */
  readonly config: Config;
  /** Time. */
  readonly clock: Clock;
  /** Where the server logs. */
  readonly logger: Logger;
  /** The process's Prometheus metrics. */
  readonly metrics: Metrics;
  /** True without `AUTH_SECRET`: a random secret and the development banner. */
  readonly developmentMode: boolean;
  /** The secret tokens, broker frames and presence are signed with. */
  readonly secret: string;
  /** Signs and verifies tokens. */
  readonly authority: TokenAuthority;
  /** The database (MariaDB or SQLite). */
  readonly store: Store;
  /** The periodic check of the database and broker (`/readyz`). */
  readonly readiness: Readiness;
  /** Readiness and the stopping flag, as commands and the upgrade ask them. */
  readonly gate: ServingGate;
  /** The broker, once start-up made it. */
  readonly broker: Slot<Broker>;
  /** The presence service, once start-up made it. */
  readonly presence: Slot<PresenceService>;
  /** This process's id in presence rows. */
  readonly processId: string;
  /** The registry of connections. */
  readonly manager: WebSocketManager;
  /** Token checks, revocation and the people routes. */
  readonly people: People;
  /** Orders events from every source into one stream for the clients. */
  readonly feed: EventFeed;
  /** The dashboard's figures, the node reporter and the SR → EVENT timer. */
  readonly clusterStats: ClusterStats;
  /** Snapshot and replay of each connection. */
  readonly sync: ClientSync;
  /** Where committed events go (the feed, the broker). */
  readonly fanout: ProcessFanout;
  /** Moves passed undo windows and lapsed leases. */
  readonly scheduler: PublicationScheduler;
  /** The publication queue gauges. */
  readonly queueGauges: QueueGauges;
  /** Announces rows inserted without an `SR`. */
  readonly scanner: AnnounceScanner;
  /** What the command handlers get. */
  readonly commands: CommandDeps;
  /** Reads frames, runs commands, writes replies. */
  readonly handler: ConnectionHandler;
}

/**
 * Builds every part of a server process; starts none of them.
 * @param config the validated configuration
 * @param options clock, logger and a supervisor's secret
 * @returns the parts, ready for `listenFor`, `bringUp` and `shutDown`
 */
export function assemble(config: Config, options: AssembleOptions): AppParts {
  const { clock, logger } = options;
  const metrics = new Metrics();
  const developmentMode = config.authSecret === "";
  // A worker takes its supervisor's development secret: tokens of the banner
  // (printed once, by the supervisor) then work on every worker.
  const secret = developmentMode ? (options.clusterSecret ?? randomSecret()) : config.authSecret;
  const authority = new TokenAuthority(secret);
  const store = createStore(config, {
    observe: (op, seconds) => metrics.observe("ws_db_query_seconds", seconds, { op }),
  });
  const readiness = new Readiness(clock, logger, config.dbTimeoutMs);
  const gate = new ServingGate(readiness);
  const broker = new Slot<Broker>();
  const presence = new Slot<PresenceService>();
  const processId = crypto.randomUUID();

  const manager: WebSocketManager = new WebSocketManager({
    clock,
    logger,
    metrics,
    maxBufferedBytes: config.maxBufferedBytes,
    helloTimeoutMs: config.helloTimeoutMs,
    heartbeatTimeoutMs: config.heartbeatTimeoutMs,
    // The manager and the sync need each other: a gap is filled by the sync.
    onGap: (client) => void sync.catchUp(client),
  });
  // v1.2: every door checks tokens through people.gate (policy and revocation included).
  const people = new People({ config, authority, secret, store, manager, clock, logger, metrics });
  const clusterStats: ClusterStats = new ClusterStats({
    config,
    store,
    metrics,
    manager,
    head: () => feed.head,
    clock,
    logger,
    secret,
  });
  const feed = new EventFeed({
    store,
    clock,
    logger,
    metrics,
    pollMs: config.logPollMs,
    sink: new ClientDelivery(manager, clusterStats.srTimer).deliver,
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
    onLive: (client) => presence.current()?.welcome(client),
    undoWindowMs: config.publication.undoWindowMs,
    claimLeaseMs: config.claimLeaseMs,
  });
  const review = new ReviewService({
    store,
    fetchPostText: createPostTextFetcher(fetchDepsFromConfig(config, metrics)),
    renderer,
    logger,
    observer: clusterStats.srTimer,
    dbTimeoutMs: config.dbTimeoutMs,
    clock,
  });
  const fanout = new ProcessFanout({
    metrics,
    feed,
    broker: broker.current,
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
    auth: people.gate,
    store,
    clock,
    logger,
    isReady: gate.isReady,
    claimLeaseMs: config.claimLeaseMs,
    claimMaxPerUser: config.claimMaxPerUser,
    processPending: review.process,
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
    announce: review.announce,
    fanout,
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
  return {
    config,
    clock,
    logger,
    metrics,
    developmentMode,
    secret,
    authority,
    store,
    readiness,
    gate,
    broker,
    presence,
    processId,
    manager,
    people,
    feed,
    clusterStats,
    sync,
    fanout,
    scheduler,
    queueGauges,
    scanner,
    commands,
    handler,
  };
}

/**
 * The presence transport: through Redis when it is configured and answering,
 * through the database otherwise. Called once the store is up (it reads the epoch).
 * @param parts the process's parts
 * @returns the transport
 */
export function presenceTransport(parts: AppParts): PresenceTransport {
  const { config, store, processId, clock, logger, secret } = parts;
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
}
