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
 * sent; live events queue up) → `live` → `closed`.
 */
export type ClientState = "hello" | "syncing" | "live" | "closed";

/** The socket operations the server needs (the HTTP layer's `ServerWebSocket` has them). */
export interface ClientSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** The peer was welcomed: its connection stops counting against the budget of pending ones. */
  welcomed?(): void;
}

/** An event waiting while a client is being synced. */
export interface QueuedEvent {
  readonly seq: Seq;
  readonly frame: string;
}

/** One connection's record. */
export interface WebSocketClient {
  readonly id: string;
  readonly socket: ClientSocket;
  readonly remoteAddress: string;
  /** When the connection opened (ms since the epoch). */
  readonly connectedAt: number;
  role: Role | null;
  user: string | null;
  /** When the client's token expires (ms since the epoch; 0 before `CL`). */
  tokenExpiresAt: number;
  /** When the client last sent a frame (ms since the epoch). */
  lastHeartbeat: number;
  /** The highest `seq` sent on this connection. */
  lastSeqSent: Seq;
  state: ClientState;
  /** Live events held while `syncing`. */
  queue: QueuedEvent[];
  /** Frames allowed per second. */
  readonly bucket: TokenBucket;
  /** Rate-limit rejections in the current window. */
  violations: number;
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
