/**
 * `SignedBroker`: makes a `Broker` of any `BrokerTransport` by signing every
 * message it publishes and verifying every message it receives (see
 * `signing.ts`). What fails — not our format, or a tag that does not verify
 * (forged, altered, moved to another `seq`, or signed with another secret) —
 * is dropped before it can reach the event feed, and counted in
 * `ws_broker_rejected_total{reason}`. The broker is thus never an authority:
 * only a holder of `AUTH_SECRET` can put a frame at a `seq`, and a replay of
 * a genuine message carries exactly what the log holds at that `seq`.
 * @module
 */
import type { Logger } from "../logging/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { Seq } from "../protocol/types.ts";
import type { StoredEvent } from "../store/rows.ts";
import type { Broker, BrokerListener, BrokerTransport } from "./broker.ts";
import { deriveBrokerKey, openPayload, type RejectReason, sealPayload } from "./signing.ts";

/** Options of a `SignedBroker`. */
export interface SignedBrokerOptions {
  /** The secret the key is derived from (`AUTH_SECRET`, or development mode's per-run secret). */
  readonly secret: string;
  /** The log's epoch: bound into every tag. */
  readonly epoch: string;
  /** Where refused (unsigned or forged) messages are reported. */
  readonly logger: Logger;
  /** Counters of refused messages; none when absent. */
  readonly metrics?: Metrics;
}

/** Rejections logged at `warn` per process; after that at `debug` (the counter keeps counting). */
const LOUD_REJECTIONS = 5;

/** A broker whose every message is authenticated with a key derived from the shared secret. */
export class SignedBroker implements Broker {
  readonly #transport: BrokerTransport;
  readonly #epoch: string;
  readonly #key: Promise<CryptoKey>;
  readonly #log: Logger;
  readonly #metrics: Metrics | undefined;
  #closed = false;
  #rejections = 0;

  /**
   * Wraps a transport so every message is sealed on publish and verified on receipt.
   * @param transport what carries the messages (not yet started)
   * @param options the secret, the epoch, logging and metrics
   */
  constructor(transport: BrokerTransport, options: SignedBrokerOptions) {
    this.#transport = transport;
    this.#epoch = options.epoch;
    this.#log = options.logger;
    this.#metrics = options.metrics;
    this.#key = deriveBrokerKey(options.secret);
    this.#key.catch(() => {/* surfaced by start and publish */});
  }

  /** The transport's kind. */
  get kind(): Broker["kind"] {
    return this.#transport.kind;
  }

  /** Derives the key, then subscribes; see `Broker.start`. @param onEvent the listener */
  async start(onEvent: BrokerListener): Promise<void> {
    const key = await this.#key;
    await this.#transport.start((seq, payload) => void this.#receive(key, seq, payload, onEvent));
  }

  async #receive(key: CryptoKey, seq: Seq, payload: string, onEvent: BrokerListener) {
    const opened = await openPayload(key, this.#epoch, seq, payload);
    if (this.#closed) return;
    if (!opened.ok) return this.#reject(seq, opened.reason);
    try {
      onEvent(seq, opened.frame);
    } catch (error) {
      this.#log.error("broker listener failed", { seq, error });
    }
  }

  #reject(seq: Seq, reason: RejectReason): void {
    this.#metrics?.increment("ws_broker_rejected_total", { reason });
    this.#rejections++;
    const level = this.#rejections <= LOUD_REJECTIONS ? "warn" : "debug";
    this.#log[level]("broker message rejected and dropped", {
      seq,
      reason,
      hint: reason === "signature"
        ? "not signed with this process's AUTH_SECRET (forged, or another secret)"
        : "not a signed message",
    });
  }

  /** Signs and publishes; never throws. @param event the committed event */
  async publish(event: StoredEvent): Promise<void> {
    if (this.#closed) return;
    try {
      const payload = await sealPayload(await this.#key, this.#epoch, event.seq, event.frame);
      await this.#transport.publish(event.seq, payload);
    } catch (error) {
      this.#log.warn("broker publish failed; other processes read it from the log", {
        seq: event.seq,
        error,
      });
    }
  }

  /** The transport's ping. @throws {BrokerUnavailableError} */
  ping(): Promise<void> {
    return this.#transport.ping();
  }

  /** Closes the transport; idempotent. */
  close(): Promise<void> {
    this.#closed = true;
    return this.#transport.close();
  }
}
