/**
 * `ClientDelivery`: the event feed's sink. Each event, in `seq` order, goes
 * to this process's connections, and the SR → EVENT timer is told.
 * @module
 */
import type { Seq } from "../protocol/types.ts";

/** Told when an event has been handed to this process's clients. */
export interface DeliveryObserver {
  /**
   * An event was delivered.
   * @param seq its seq
   */
  delivered(seq: number): void;
}

/** Where delivered events go: the connection registry. */
export interface EventReceiver {
  /**
   * Hands an event to every live connection.
   * @param seq its seq
   * @param frame its encoded `EVENT` frame
   */
  deliverEvent(seq: Seq, frame: string): void;
}

/** The feed's sink of one process. */
export class ClientDelivery {
  readonly #receiver: EventReceiver;
  readonly #observer: DeliveryObserver;

  /**
   * A sink into the connection registry.
   * @param receiver the connection registry
   * @param observer the SR → EVENT timer
   */
  constructor(receiver: EventReceiver, observer: DeliveryObserver) {
    this.#receiver = receiver;
    this.#observer = observer;
  }

  /**
   * Delivers one event (a bound method: handed on as the feed's `sink`).
   * @param seq its seq
   * @param frame its encoded `EVENT` frame
   */
  readonly deliver = (seq: Seq, frame: string): void => {
    this.#receiver.deliverEvent(seq, frame);
    this.#observer.delivered(seq);
  };
}
