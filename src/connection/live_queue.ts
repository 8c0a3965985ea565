/**
 * The live events a client holds while it is being synced (a replay or a
 * `SNAPSHOT` under way): the only writer of `WebSocketClient.queue`. Each
 * event is charged to the connection's account (its frame's length plus an
 * entry's overhead), so a replay that stalls cannot make the queue grow
 * without bound: a refused charge means the client is not reading, and the
 * caller closes it 4009.
 * @module
 */
import type { Seq } from "../protocol/types.ts";
import type { QueuedEvent, WebSocketClient } from "./client.ts";

/** What an entry costs besides its frame's bytes. */
export const QUEUED_EVENT_OVERHEAD_BYTES = 64;

type Writable = { queue: QueuedEvent[]; queuedBytes: number };

function cost(e: QueuedEvent): number {
  return e.frame.length + QUEUED_EVENT_OVERHEAD_BYTES;
}

/**
 * Queues a live event for a syncing client, charging its account.
 * @param client the client
 * @param seq the event's seq
 * @param frame its encoded frame
 * @returns false (nothing queued) when the account is full
 */
export function queueLive(client: WebSocketClient, seq: Seq, frame: string): boolean {
  const e = { seq, frame };
  const size = cost(e);
  if (client.socket.account && !client.socket.account.charge(size)) return false;
  const w = client as unknown as Writable;
  w.queue.push(e);
  w.queuedBytes += size;
  return true;
}

/**
 * Replaces the queue with what is left of it (after the ready part was sent),
 * releasing the charge of what was taken.
 * @param client the client
 * @param rest the events still waiting
 */
export function keepQueued(client: WebSocketClient, rest: QueuedEvent[]): void {
  const w = client as unknown as Writable;
  const kept = rest.reduce((n, e) => n + cost(e), 0);
  client.socket.account?.release(w.queuedBytes - kept);
  w.queue = rest;
  w.queuedBytes = kept;
}

/**
 * Empties the queue and releases its charge.
 * @param client the client
 */
export function clearQueue(client: WebSocketClient): void {
  keepQueued(client, []);
}
