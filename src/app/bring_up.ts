/**
 * `bringUp()`: the start-up of a server process, after it listens. It brings
 * up the database, the broker, the feed, the people, presence and the timers
 * in order, retrying with backoff while the database does not answer, and
 * gives up only on a failure that never heals (e.g. a path it may not write).
 * @module
 */
import { exponentialDelay } from "../async/backoff.ts";
import { delay } from "../async/deadline.ts";
import type { ClusterLink } from "../broker/cluster_broker.ts";
import { createBroker } from "../broker/factory.ts";
import type { TimerHandle } from "../clock.ts";
import type { ConfigError } from "../config.ts";
import { PresenceService } from "../presence/service.ts";
import { permanentFailure } from "../startup_failure.ts";
import { type AppParts, presenceTransport } from "./parts.ts";

/** Where a start-up stands; the shutdown reads it. */
export class StartUp {
  /** The event-log prune timer, once started. */
  pruneTimer: TimerHandle | null = null;
  /** Why the start gave up, or null. */
  failure: ConfigError | null = null;
  /** Resolves when the start-up returned (up, given up, or stopped). */
  done: Promise<void> = Promise.resolve();
}

/**
 * Brings the process up, retrying until it is up, gives up, or the process stops.
 * @param parts the process's parts
 * @param link the supervisor's channel in a cluster without Redis, or null
 * @param state where the prune timer and a permanent failure are recorded
 * @returns true when up or stopped; false when it gave up (`state.failure` says why)
 */
export async function bringUp(
  parts: AppParts,
  link: ClusterLink | null,
  state: StartUp,
): Promise<boolean> {
  const { config, store, clock, logger, metrics, feed, gate } = parts;
  for (let attempt = 0; !gate.stopping(); attempt++) {
    let storeUp = false;
    try {
      await store.init();
      storeUp = true;
      const broker = createBroker(
        { redisUrl: config.redisUrl, secret: parts.secret, cluster: link },
        store.epoch(),
        logger,
        metrics,
      );
      parts.broker.fill(broker);
      await broker.start((seq, frame) => feed.offer(seq, frame, "broker"));
      await feed.start();
      await parts.people.start(store.epoch());
      let presence = parts.presence.current();
      if (presence === null) {
        presence = new PresenceService({
          manager: parts.manager,
          transport: presenceTransport(parts),
          clock,
          logger,
          processId: parts.processId,
        });
        parts.presence.fill(presence);
      }
      presence.start();
      const prune = () =>
        store.prune(new Date(clock.now() - config.eventRetentionHours * 3_600_000))
          .then((n) => n > 0 && logger.info("event log pruned", { events: n }))
          .catch((e) => logger.warn("prune failed", { error: e }));
      // Pruned before ready: a client never resumes from events about to go.
      await prune();
      const watch = parts.clusterStats.dependencies;
      parts.readiness.start({
        database: watch.observe("database", () => store.ping()),
        broker: broker.kind === "local" ? null : watch.observe("broker", () => broker.ping()),
      });
      await parts.readiness.check();
      state.pruneTimer = clock.setInterval(prune, 60_000);
      parts.clusterStats.start(store.epoch());
      parts.scanner.start();
      parts.scheduler.start();
      parts.queueGauges.start();
      logger.info("started", { epoch: store.epoch(), head: feed.head, broker: broker.kind });
      return true;
    } catch (e) {
      await parts.broker.take()?.close().catch(() => {});
      // Only the store's own failures are judged here; the broker is waited for.
      state.failure = storeUp ? null : permanentFailure(e, config);
      if (state.failure) {
        logger.error("start-up failed and cannot recover", {
          variable: state.failure.variable,
          error: state.failure.message,
        });
        return false;
      }
      const wait = exponentialDelay(attempt, 250, 10_000);
      logger.warn("start-up waiting for the database", { error: e, retry_in_ms: wait });
      await delay(wait, clock);
    }
  }
  return true;
}
