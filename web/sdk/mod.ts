/**
 * The review hub's client SDK: one import for browsers, Deno and Node.
 *
 * An operator connects, waits for a response to review and claims it. The
 * examples run against an in-memory stand-in for the server (`_doc_hub.ts`);
 * a real application passes only the URL and the token.
 *
 * @example Connect, wait for a pending response, claim it
 * ```ts
 * import { connect } from "./mod.ts";
 * import { MemoryHubSocket } from "./_doc_hub.ts";
 *
 * const client = connect("ws://127.0.0.1:8765/ws", {
 *   token: "<operator JWT>",
 *   WebSocket: MemoryHubSocket, // omit in an application: the global WebSocket
 * });
 * const pending = await client.once("pending");
 * const ack = await client.claim(pending.response_id);
 * if (ack.claimed_by !== "alice") throw new Error("the claim is someone else's");
 * client.close();
 * ```
 *
 * @example Read the decided responses, newest first
 * ```ts
 * import { HistoryClient } from "./mod.ts";
 * import { memoryHistoryFetch } from "./_doc_hub.ts";
 *
 * const history = new HistoryClient("ws://127.0.0.1:8765/ws", {
 *   token: "<operator JWT>",
 *   fetch: memoryHistoryFetch, // omit in an application: the global fetch
 * });
 * const page = await history.page({ status: "approved", limit: 20 });
 * for (const item of page.items) console.log(item.decided_by, item.response_text);
 * ```
 * @module
 */
import { ReviewClient } from "./client.ts";
import type { ClientOptions } from "./options.ts";

export { backoffCeiling, backoffDelay, type BackoffOptions, DEFAULT_BACKOFF } from "./backoff.ts";
export type { ClientOptions, TokenSource } from "./options.ts";
export type { ClientEvent, ClientEvents, ClientStats } from "./events.ts";
export { ReviewClient } from "./client.ts";
export {
  ClaimedError,
  type ClientErrorCode,
  NotPendingError,
  ReviewError,
  TooManyClaimsError,
} from "./errors.ts";
export { BadStateError, TooLateError } from "./errors.ts"; // v1.2
export {
  Publisher,
  type PublisherClient,
  type PublisherOptions,
  type PublisherStats,
  type PublishFunction,
  type PublishOutcome,
} from "./publisher.ts";
export { PUBLICATION_STATES } from "../../src/protocol/publication_frames.ts";
export type {
  InFlightItem,
  PublicationEventFrame,
  PublicationJob,
  PublicationState,
  PublicationView,
  PublishedEvent,
  PublishFailedEvent,
  PublishingEvent,
  QueuedEvent,
  ReopenedEvent,
} from "../../src/protocol/publication_frames.ts";
export { isClaimLive, type PendingItem } from "./pending_feed.ts";
export { isRevocation, REVOKED_REASON } from "./close_policy.ts";
export { HistoryClient, type HistoryOptions, type HistoryQuery, historyUrl } from "./history.ts";
export type { DecidedStatus, HistoryItem, HistoryPage } from "../../src/protocol/http_bodies.ts";
export type {
  AckResult,
  ClaimAck,
  DecisionAck,
  EventAck,
  ReleaseAck,
  ResponseAckBase,
  SrAck,
  StaleAck,
  TakeAck,
} from "../../src/protocol/acks.ts";
export type { Tagged } from "./emitter.ts";
export type { Ack } from "./requests.ts";
export type { Position } from "./sequencer.ts";
export type { CloseLike, MessageLike, WebSocketConstructor, WebSocketLike } from "./socket.ts";
export type { ClosedReason, CloseInfo, ConnectionState, StateKind } from "./state.ts";
export type { TimerHandle, Timers } from "./timers.ts";
export type {
  Platform,
  ResponseId,
  ResponseStatus,
  Role,
  ROLES,
  SafeHtml,
  Seq,
} from "../../src/protocol/types.ts";
export type { ERROR_CODES, ErrorCode } from "../../src/protocol/codes.ts";
export type {
  AckFrame,
  ApprovedEvent,
  Card,
  ClaimedEvent,
  CommandId,
  EventFrame,
  PendingEvent,
  PresenceEntry,
  PresenceFrame,
  RejectedEvent,
  ReleasedEvent,
  SnapshotFrame,
  SnapshotItem,
  WelcomeFrame,
} from "../../src/protocol/frames.ts";

/**
 * Connects to the review hub; the client reconnects and resumes by itself until `close()`.
 * @param url the WebSocket endpoint, e.g. `ws://127.0.0.1:8765/ws`
 * @param options the token (or a function giving one) and optional seams
 * @returns the client, already connecting
 * @throws {TypeError} when there is no global `WebSocket` and none was passed
 *
 * @example React to events as they arrive
 * ```ts
 * import { connect } from "./mod.ts";
 * import { MemoryHubSocket } from "./_doc_hub.ts";
 *
 * const client = connect("ws://127.0.0.1:8765/ws", {
 *   token: "<operator JWT>",
 *   WebSocket: MemoryHubSocket,
 * });
 * const first = new Promise<number>((resolve) => {
 *   const off = client.on("pending", (e) => {
 *     off(); // one is enough here; keep the handler to see every one
 *     resolve(e.response_id);
 *   });
 * });
 * console.log("to review:", await first);
 * client.close();
 * ```
 */
export function connect(url: string, options: ClientOptions): ReviewClient {
  return new ReviewClient(url, options);
}
