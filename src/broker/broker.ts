/**
 * The fan-out seam between server processes sharing one event log.
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
 * So the broker is a hint that makes delivery fast, never the source of truth:
 * the consumer orders events by `seq`, drops those it already has, and reads
 * any gap from the log (which holds every committed event).
 * @module
 */
import type { Seq } from "../protocol/types.ts";
import type { StoredEvent } from "../store/store.ts";

/** Receives an event another process published: its `seq` and its frame, byte for byte. */
export type BrokerListener = (seq: Seq, frame: string) => void;

/** Which kind of broker a process runs with. */
export type BrokerKind = "local" | "redis";

/** Carries committed events between the processes that share one log. */
export interface Broker {
  /** `local` (one process, nothing to carry) or `redis`. */
  readonly kind: BrokerKind;

  /**
   * Starts receiving other processes' events; idempotent. Resolves once the
   * subscription is made or, when the transport is down, once the attempt
   * has been given up for now (it is retried in the background).
   * @param onEvent called for each event received, in arrival order
   */
  start(onEvent: BrokerListener): Promise<void>;

  /**
   * Publishes a committed event to the other processes. A failure is logged,
   * not thrown: the log already holds the event, and readers fill gaps from it.
   * @param event the event as appended (its frame is sent as is)
   */
  publish(event: StoredEvent): Promise<void>;

  /**
   * Answers when the transport does (for `/readyz`).
   * @throws {BrokerUnavailableError} when it does not answer within about a second
   */
  ping(): Promise<void>;

  /** Stops receiving and closes connections; idempotent. */
  close(): Promise<void>;
}

/** The broker's transport does not answer. */
export class BrokerUnavailableError extends Error {
  /**
   * @param message what failed
   * @param options the underlying error
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BrokerUnavailableError";
  }
}
