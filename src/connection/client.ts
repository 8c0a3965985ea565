/**
 * `WebSocketClient`: the record of one connection, owned by the
 * `WebSocketManager`. Plain data, so the heartbeat supervisor and the
 * delivery code can be tested without sockets.
 * @module
 */
import type { Role, Seq } from "../protocol/types.ts";
import { asSeq } from "../protocol/types.ts";
import type { ConnectionAccount } from "../transport/account.ts";
import { PeerRate, peerRateLimits } from "../transport/peer_rate.ts";

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
  /** The connection's account: what the live queue holds is charged to it. */
  readonly account?: ConnectionAccount;
  /** The peer's rate limit kept by the transport (frames of every kind and bytes). */
  readonly rate?: PeerRate | null;
  /**
   * Sends one text message (its UTF-8 bytes, shared) as fragments produced
   * while the send buffer drains (a `SNAPSHOT`), so it is never queued whole.
   * @returns resolves once the last fragment is queued, false if the socket ended first
   */
  sendStreamed?(message: Uint8Array): Promise<boolean>;
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
  /**
   * Live events held while `syncing`; changed only through `live_queue.ts`,
   * which charges them to the connection's account.
   */
  readonly queue: readonly QueuedEvent[];
  /** Bytes charged for `queue`. */
  readonly queuedBytes: number;
  /** The peer's one rate limit: the transport's when it keeps one, else the connection layer's own. */
  readonly bucket: PeerRate;
  /** Commands being handled now. */
  inFlight: number;
}

/**
 * Creates the record of a new connection.
 * @param socket the socket
 * @param remoteAddress the peer's address
 * @param now the current time
 * @param rate commands per second and burst (used when the socket keeps no rate of its own)
 * @returns the record, in state `hello`
 */
export function createClient(
  socket: ClientSocket,
  remoteAddress: string,
  now: number,
  rate: { perSecond: number; burst: number; maxViolations?: number },
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
    queuedBytes: 0,
    bucket: socket.rate ??
      new PeerRate(
        peerRateLimits(rate.perSecond, rate.burst, 64 * 1024, rate.maxViolations ?? 50),
        now,
      ),
    inFlight: 0,
  };
}

/** `WebSocket.OPEN`. */
export const OPEN = 1;
