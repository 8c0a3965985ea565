/**
 * `createBroker`: Redis (signed) when `REDIS_URL` is set; else, in a worker of
 * a supervisor, the channel between the workers (signed); else the local
 * no-op broker.
 * @module
 */
import type { Config } from "../config.ts";
import type { Logger } from "../logging/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { Broker, BrokerTransport } from "./broker.ts";
import { ClusterBroker, type ClusterLink } from "./cluster_broker.ts";
import { LocalBroker } from "./local_broker.ts";
import { RedisBroker } from "./redis_broker.ts";
import { SignedBroker } from "./signed_broker.ts";

/** What the factory needs: where Redis is, and the secret messages are signed with. */
export interface BrokerSettings extends Pick<Config, "redisUrl"> {
  /** `AUTH_SECRET`, or development mode's per-run secret (then processes cannot talk). */
  readonly secret: string;
  /** A worker's channel to its supervisor (`WORKERS` > 1), or null in a process of its own. */
  readonly cluster?: ClusterLink | null;
}

/**
 * Creates the broker the configuration asks for (no connection is opened
 * before `start`).
 * @param settings `redisUrl` and the signing secret
 * @param epoch the event log's epoch (names the Redis channel, bound into every signature)
 * @param logger where connection trouble and rejected messages are reported
 * @param metrics where messages are counted
 * @returns a `SignedBroker` over a `RedisBroker` when `REDIS_URL` is set (Redis reaches other
 *   hosts too), else over a `ClusterBroker` in a supervised worker, else a `LocalBroker`
 */
export function createBroker(
  settings: BrokerSettings,
  epoch: string,
  logger: Logger,
  metrics?: Metrics,
): Broker {
  const optional = metrics ? { metrics } : {};
  const link = settings.cluster ?? null;
  let transport: BrokerTransport;
  if (settings.redisUrl !== "") {
    transport = new RedisBroker({ url: settings.redisUrl, epoch, logger, ...optional });
  } else if (link !== null) {
    transport = new ClusterBroker({ link, logger, ...optional });
  } else {
    return new LocalBroker();
  }
  return new SignedBroker(transport, { secret: settings.secret, epoch, logger, ...optional });
}
