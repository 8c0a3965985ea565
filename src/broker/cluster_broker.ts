/**
 * `ClusterBroker`: a `BrokerTransport` between the workers of one supervisor
 * on one machine (`WORKERS` > 1 without `REDIS_URL`). Each worker has one
 * channel to its supervisor (its stdin and stdout, see `src/cluster/`); the
 * supervisor relays what one worker publishes to every other worker, never
 * back to the publisher. `SignedBroker` authenticates what it carries, exactly
 * as for Redis: the relay is no more an authority than Redis is.
 *
 * Delivery is at most once (a worker that is restarting misses what is
 * published meanwhile, and a full pipe drops a message rather than waiting),
 * possibly out of order across publishers, never to itself; the event log
 * fills every gap.
 * @module
 */
import type { Logger } from "../logging/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { Seq } from "../protocol/types.ts";
import { type BrokerTransport, BrokerUnavailableError, type TransportListener } from "./broker.ts";

/** A worker's end of the channel to its supervisor, as the transport needs it. */
export interface ClusterLink {
  /** Whether the supervisor is still there (its end of the channel is open). */
  readonly up: boolean;
  /**
   * Hands an event to the supervisor for the other workers, without waiting.
   * @returns false when it was dropped (the channel is full or closed)
   */
  send(seq: Seq, payload: string): boolean;
  /** Sets (or, with null, clears) the receiver of the other workers' events. */
  listen(listener: TransportListener | null): void;
}

/** Options of a `ClusterBroker`. */
export interface ClusterBrokerOptions {
  /** The worker's channel to its supervisor. */
  readonly link: ClusterLink;
  /** Where failures are logged. */
  readonly logger: Logger;
  /** Counts messages in and out, and those dropped. */
  readonly metrics?: Metrics;
}

/** The transport between the workers of one supervisor. */
export class ClusterBroker implements BrokerTransport {
  /** Always `cluster`. */
  readonly kind = "cluster" as const;
  readonly #link: ClusterLink;
  readonly #log: Logger;
  readonly #metrics: Metrics | undefined;
  #started = false;
  #closed = false;
  #dropping = false;

  /**
   * A transport over the worker's channel to its supervisor.
   * @param options the channel, logging and metrics
   */
  constructor(options: ClusterBrokerOptions) {
    this.#link = options.link;
    this.#log = options.logger;
    this.#metrics = options.metrics;
  }

  /** Starts taking the other workers' events; idempotent. @param onMessage the receiver */
  start(onMessage: TransportListener): Promise<void> {
    if (this.#started || this.#closed) return Promise.resolve();
    this.#started = true;
    this.#link.listen((seq, payload) => {
      this.#metrics?.increment("ws_broker_messages_total", { direction: "in" });
      onMessage(seq, payload);
    });
    return Promise.resolve();
  }

  /**
   * Hands a payload to the supervisor; never throws, never waits.
   * @param seq the event's position
   * @param payload what to carry
   */
  publish(seq: Seq, payload: string): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#link.send(seq, payload)) {
      this.#metrics?.increment("ws_broker_messages_total", { direction: "out" });
      if (this.#dropping) this.#log.info("cluster channel takes events again", { seq });
      this.#dropping = false;
    } else {
      const level = this.#dropping ? "debug" : "warn";
      this.#log[level]("cluster channel full or closed; other workers read it from the log", {
        seq,
      });
      this.#dropping = true;
    }
    return Promise.resolve();
  }

  /** Answers while the supervisor's channel is open. @throws {BrokerUnavailableError} */
  ping(): Promise<void> {
    if (this.#closed) return Promise.reject(new BrokerUnavailableError("the broker is closed"));
    if (!this.#link.up) {
      return Promise.reject(new BrokerUnavailableError("the supervisor's channel is closed"));
    }
    return Promise.resolve();
  }

  /** Stops taking events; idempotent (the channel itself belongs to the worker). */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#link.listen(null);
    }
    return Promise.resolve();
  }
}
