/**
 * `WebSocketClient`: the record of one connection, owned by the
 * `WebSocketManager`. Plain data, so the heartbeat supervisor and the
 * delivery code can be tested without sockets.
 * @module
 */
import type { Role, Seq } from "../protocol/types.ts";
import { asSeq } from "../protocol/types.ts";
import { TokenBucket } from "./rate_limit.ts";

/**
 * Where a connection is in its life:
 * `hello` (no `CL` yet) → `syncing` (authenticated, replay or snapshot being
 * sent; live events queue up) → `live` → `closed`, and `live` → `syncing`
 * again when it is found behind. Changed only by `transition`
 * (`client_state.ts`).
 */
export type ClientState = "hello" | "syncing" | "live" | "closed";

/** The socket operations the server needs (the HTTP layer's `ServerWebSocket` has them). */
export interface ClientSocket {
  /** `1` (OPEN) while frames may be sent. */
  readonly readyState: number;
  /** Bytes queued but not yet written to the peer. */
  readonly bufferedAmount: number;
  /** Queues a text frame. */
  send(data: string): void;
  /** Starts the closing handshake with a close code and reason. */
  close(code?: number, reason?: string): void;
  /** The peer was welcomed: its connection stops counting against the budget of pending ones. */
  welcomed?(): void;
}

/** An event waiting while a client is being synced. */
export interface QueuedEvent {
  /** The event's position in the log. */
  readonly seq: Seq;
  /** The encoded `EVENT` frame, ready to send. */
  readonly frame: string;
}

/** One connection's record. */
export interface WebSocketClient {
  /** Unique per connection (`WELCOME.client_id`). */
  readonly id: string;
  /** The socket frames go out on. */
  readonly socket: ClientSocket;
  /** The peer's address (the proxy's client when it is trusted). */
  readonly remoteAddress: string;
  /** When the connection opened (ms since the epoch). */
  readonly connectedAt: number;
  /** The token's role once `CL` succeeded, else null. */
  role: Role | null;
  /** The token's user once `CL` succeeded, else null. */
  user: string | null;
  /** When the client's token expires (ms since the epoch; 0 before `CL`). */
  tokenExpiresAt: number;
  /** (v1.2) Its token's `iat` (seconds), null before `CL` or for a token without one (revocation). */
  tokenIssuedAt: number | null;
  /** When the client last sent a frame (ms since the epoch). */
  lastHeartbeat: number;
  /** The highest `seq` sent on this connection. */
  lastSeqSent: Seq;
  /** Where the connection is in its life (see `ClientState`). */
  state: ClientState;
  /** Live events held while `syncing`. */
  queue: QueuedEvent[];
  /** Frames allowed per second. */
  readonly bucket: TokenBucket;
  /** Rate-limit rejections in the current window. */
  violations: number;
  /** When the current rate-limit window began (ms since the epoch). */
  violationsWindowStart: number;
  /** Commands being handled now. */
  inFlight: number;
}

/**
 * Creates the record of a new connection.
 * @param socket the socket
 * @param remoteAddress the peer's address
 * @param now the current time
 * @param rate commands per second and burst
 * @returns the record, in state `hello`
 */
export function createClient(
  socket: ClientSocket,
  remoteAddress: string,
  now: number,
  rate: { perSecond: number; burst: number },
): WebSocketClient {
  return {
    id: crypto.randomUUID(),
    socket,
    remoteAddress,
    connectedAt: now,
    role: null,
    user: null,
    tokenExpiresAt: 0,
    tokenIssuedAt: null,
    lastHeartbeat: now,
    lastSeqSent: asSeq(0),
    state: "hello",
    queue: [],
    bucket: new TokenBucket(rate.perSecond, rate.burst, now),
    violations: 0,
    violationsWindowStart: now,
    inFlight: 0,
  };
}

/** `WebSocket.OPEN`. */
export const OPEN = 1;
