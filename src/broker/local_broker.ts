/**
 * `LocalBroker`: the broker of a process that runs alone (no `REDIS_URL`).
 * Its own commits are fed to its clients directly, so there is nothing to
 * carry. Processes sharing a database without Redis still see each other's
 * events by reading the log (`LOG_POLL_MS`), which is not the broker's job.
 * It carries no message, so there is nothing to sign (`SignedBroker` wraps
 * the transports that do).
 * @module
 */
import type { Broker, BrokerListener } from "./broker.ts";
import type { StoredEvent } from "../store/rows.ts";

/** A broker for a single process: publishing is a no-op, nothing is ever received. */
export class LocalBroker implements Broker {
  /** Always `local`. */
  readonly kind = "local" as const;

  /** Nothing to subscribe to. @param _onEvent never called */
  start(_onEvent: BrokerListener): Promise<void> {
    return Promise.resolve();
  }

  /** Nothing to publish to. @param _event ignored */
  publish(_event: StoredEvent): Promise<void> {
    return Promise.resolve();
  }

  /** Always answers: there is no transport to lose. */
  ping(): Promise<void> {
    return Promise.resolve();
  }

  /** Nothing to close. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
