/**
 * `createBroker`: Redis when `REDIS_URL` is set, else the local no-op broker.
 * @module
 */
import type { Config } from "../config.ts";
import type { Logger } from "../log/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { Broker } from "./broker.ts";
import { LocalBroker } from "./local_broker.ts";
import { RedisBroker } from "./redis_broker.ts";

/**
 * Creates the broker the configuration asks for (no connection is opened
 * before `start`).
 * @param config the configuration (`redisUrl`)
 * @param epoch the event log's epoch (names the Redis channel)
 * @param logger where connection trouble is reported
 * @param metrics where messages are counted
 * @returns a `RedisBroker` when `REDIS_URL` is set, else a `LocalBroker`
 */
export function createBroker(
  config: Pick<Config, "redisUrl">,
  epoch: string,
  logger: Logger,
  metrics?: Metrics,
): Broker {
  if (config.redisUrl === "") return new LocalBroker();
  return new RedisBroker({ url: config.redisUrl, epoch, logger, ...(metrics ? { metrics } : {}) });
}
