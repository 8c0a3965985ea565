/**
 * The seq arithmetic of handing a client over from replay to live delivery,
 * as pure functions (like centrifuge's `MergePublications`): where an event
 * stands against what a client has been sent, and which queued events can go
 * out now. `WebSocketManager.deliverEvent` and `ClientSync` act on their
 * answers; the table tests pin every case.
 * @module
 */
import type { Seq } from "../protocol/types.ts";

/** An event with its position. */
export interface Positioned {
  /** The event's position in the log. */
  readonly seq: Seq;
}

/**
 * Where an event stands for a client that has been sent up to `lastSent`:
 * already sent (`skip`), the very next one (`send`), or past a gap (`gap`:
 * the events between must come from the log first).
 * @param lastSent the highest seq sent to the client
 * @param seq the event's seq
 * @returns `skip`, `send` or `gap`
 */
export function placeEvent(lastSent: number, seq: number): "skip" | "send" | "gap" {
  if (seq <= lastSent) return "skip";
  return seq === lastSent + 1 ? "send" : "gap";
}

/**
 * Splits a queue of events (in seq order, as the feed delivered them) for a
 * client sent up to `lastSent`: those already sent are dropped, the run that
 * follows on without a gap can go now, and the rest waits behind the gap.
 * @param lastSent the highest seq sent to the client
 * @param queue the queued events, ascending
 * @returns `ready` (contiguous from `lastSent + 1`) and `waiting` (from the first gap on)
 */
export function splitQueue<T extends Positioned>(
  lastSent: number,
  queue: readonly T[],
): { readonly ready: T[]; readonly waiting: T[] } {
  const ready: T[] = [];
  let last = lastSent;
  let i = 0;
  for (; i < queue.length; i++) {
    const item = queue[i]!;
    const place = placeEvent(last, item.seq);
    if (place === "gap") break;
    if (place === "send") {
      ready.push(item);
      last = item.seq;
    }
  }
  return { ready, waiting: queue.slice(i) };
}
