/**
 * The review hub's client SDK: one import for browsers, Deno and Node.
 *
 * ```ts
 * const client = connect("ws://127.0.0.1:8765/ws", { token });
 * client.on("pending", (e) => console.log("to review:", e.response_id));
 * await client.submit(42);
 * ```
 * @module
 */
import { type ClientOptions, ReviewClient } from "./client.ts";

export { backoffCeiling, backoffDelay, type BackoffOptions, DEFAULT_BACKOFF } from "./backoff.ts";
export type { ClientOptions, TokenSource } from "./client.ts";
export type { ClientEvent, ClientEvents, ClientStats } from "./events.ts";
export { ReviewClient } from "./client.ts";
export { ClaimedError, type ClientErrorCode, NotPendingError, ReviewError } from "./errors.ts";
export { isClaimLive, type PendingItem } from "./feed.ts";
export {
  HistoryClient,
  type HistoryItem,
  type HistoryOptions,
  type HistoryPage,
  type HistoryQuery,
  historyUrl,
} from "./history.ts";
export type { Ack } from "./requests.ts";
export type { Position } from "./sequencer.ts";
export type { WebSocketConstructor, WebSocketLike } from "./socket.ts";
export type { ClosedReason, CloseInfo, ConnectionState, StateKind } from "./state.ts";
export type { Timers } from "./timers.ts";
export type {
  ApprovedEvent,
  Card,
  ClaimedEvent,
  PendingEvent,
  PresenceEntry,
  PresenceFrame,
  RejectedEvent,
  ReleasedEvent,
  SnapshotFrame,
  SnapshotItem,
} from "../../src/protocol/frames.ts";

/**
 * Connects to the review hub; the client reconnects and resumes by itself until `close()`.
 * @param url the WebSocket endpoint, e.g. `ws://127.0.0.1:8765/ws`
 * @param options the token (or a function giving one) and optional seams
 * @returns the client, already connecting
 * @throws {TypeError} when there is no global `WebSocket` and none was passed
 */
export function connect(url: string, options: ClientOptions): ReviewClient {
  return new ReviewClient(url, options);
}
