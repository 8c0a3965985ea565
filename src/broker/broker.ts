/**
 * The fan-out seam between server processes sharing one event log, in two
 * layers:
 * - a `BrokerTransport` (Redis pub/sub, and any future carrier such as IPC
 *   between local workers) moves an opaque payload per `seq`, unauthenticated;
 * - a `Broker` is what the server uses: it hands its listener only frames it
 *   has authenticated (`AuthenticFrame`). `SignedBroker` makes a `Broker` of
 *   any transport; `LocalBroker` carries nothing and so needs no signing.
 *
 * Guarantees, which every implementation keeps and no more:
 * - **At most once**: a published event reaches each other subscriber once or
 *   not at all (a subscriber that is disconnected when it is published never
 *   sees it).
 * - **Possibly out of order**: events from several publishers interleave as
 *   the network delivers them.
 * - **Never to itself**: an instance does not hand its own publications back;
 *   the process feeds its own commits to its clients directly.
 *
 * So the broker is a hint that makes delivery fast, never the source of truth
 * nor a dependency: the consumer orders events by `seq`, drops those it
 * already has, and reads any gap from the log (which holds every committed
 * event), also while the transport is down.
 * @module
 */
import type { Seq } from "../protocol/types.ts";
import type { StoredEvent } from "../store/rows.ts";

/**
 * An event frame whose origin was checked: a holder of `AUTH_SECRET`
 * published exactly this text for exactly this `seq` of this log. Only
 * `signing.ts` makes one (and `LocalBroker`, which makes none).
 */
export type AuthenticFrame = string & { readonly __brand: "AuthenticFrame" };

/** Receives an event another process published: its `seq` and its frame, byte for byte. */
export type BrokerListener = (seq: Seq, frame: AuthenticFrame) => void;

/** Receives a transport's message: the `seq` it names and its payload, not yet authenticated. */
export type TransportListener = (seq: Seq, payload: string) => void;

/** Which kind of broker a process runs with. */
export type BrokerKind = "local" | "redis" | "cluster";

/** What every broker layer has in common: its kind, health and lifetime. */
export interface BrokerLifecycle {
  /** `local` (one process, nothing to carry), `redis`, or `cluster` (the workers of one supervisor). */
  readonly kind: BrokerKind;

  /**
   * Answers when the transport does (for `/readyz`, which reports it and
   * never fails because of it).
   * @throws {BrokerUnavailableError} when it does not answer within about a second
   */
  ping(): Promise<void>;

  /** Stops receiving and closes connections; idempotent. */
  close(): Promise<void>;
}

/** Carries committed events between the processes that share one log. */
export interface Broker extends BrokerLifecycle {
  /**
   * Starts receiving other processes' events; idempotent. Resolves once the
   * subscription is made or, when the transport is down, once the attempt
   * has been given up for now (it is retried in the background).
   * @param onEvent called for each authenticated event received, in arrival order
   */
  start(onEvent: BrokerListener): Promise<void>;

  /**
   * Publishes a committed event to the other processes. A failure is logged,
   * not thrown: the log already holds the event, and readers fill gaps from it.
   * @param event the event as appended (its frame is sent as is)
   */
  publish(event: StoredEvent): Promise<void>;
}

/** Moves one opaque payload per `seq` between processes; authenticates nothing. */
export interface BrokerTransport extends BrokerLifecycle {
  /**
   * As `Broker.start`, for raw payloads.
   * @param onMessage called for each well-formed message received, in arrival order
   */
  start(onMessage: TransportListener): Promise<void>;

  /**
   * As `Broker.publish`: never throws.
   * @param seq the event's position in the log
   * @param payload what to carry, byte for byte
   */
  publish(seq: Seq, payload: string): Promise<void>;
}

/** The broker's transport does not answer. */
export class BrokerUnavailableError extends Error {
  /**
   * Creates the error of a broker that cannot be reached.
   * @param message what failed
   * @param options the underlying error
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BrokerUnavailableError";
  }
}
