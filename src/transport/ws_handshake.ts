/**
 * `upgradeWebSocket(req)`: the HTTP layer's answer to a WebSocket handshake,
 * called by a request handler as it would call `Deno.upgradeWebSocket`. It
 * checks the handshake (RFC 6455 §4.2.1), and returns the socket and the
 * response to return; the connection becomes a WebSocket once the handler
 * returns that response.
 * @module
 */
import { createHash } from "node:crypto";
import { PeerRate, type PeerRateLimits } from "./peer_rate.ts";
import type { TrackedConn } from "./tracked_conn.ts";
import { ServerWebSocket } from "./ws_socket.ts";
import type { WriteScheduler } from "./write_scheduler.ts";

/** What the HTTP layer knows of a request that may be upgraded. */
export interface UpgradeSlot {
  /** The connection that would become the WebSocket. */
  readonly conn: TrackedConn;
  /** Bytes read after the request (the client's first frames, if it did not wait). */
  readonly leftover: () => Uint8Array;
  /** Largest WebSocket message accepted (else 1009). */
  readonly maxMessageBytes: number;
  /** Time (ms), for the socket's idle tracking. */
  readonly now: () => number;
  /** The peer's rate limit, for the socket (null: none at this layer); its buckets start full at the upgrade. */
  readonly peerRate: PeerRateLimits | null;
  /** The queue the socket's writes wait their turn in (null: the process's). */
  readonly scheduler: WriteScheduler | null;
  /** Set by `upgradeWebSocket`: the socket and the 101 response to send. */
  accepted: { readonly socket: ServerWebSocket; readonly response: Response } | null;
}

/** The requests being handled, with their connections. */
export const UPGRADE_SLOTS: WeakMap<Request, UpgradeSlot> = new WeakMap();

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const encoder = new TextEncoder();

/** The request is not a valid WebSocket handshake. */
export class HandshakeError extends Error {
  /**
   * Creates the error of a malformed handshake.
   * @param message what is wrong
   */
  constructor(message: string) {
    super(message);
    this.name = "HandshakeError";
  }
}

/**
 * Accepts a WebSocket handshake.
 * @param req the request, as given to the handler
 * @returns the socket (sends are queued until the 101 is out) and the response to return
 * @throws {HandshakeError} when the request is no valid handshake
 * @throws {TypeError} when the request did not come from this HTTP layer
 */
export function upgradeWebSocket(req: Request): { socket: ServerWebSocket; response: Response } {
  const slot = UPGRADE_SLOTS.get(req);
  if (!slot) throw new TypeError("not a request of this server");
  if (slot.accepted) throw new TypeError("already upgraded");
  const h = req.headers;
  if (req.method !== "GET") throw new HandshakeError("a WebSocket handshake is a GET");
  if (h.get("upgrade")?.toLowerCase() !== "websocket") {
    throw new HandshakeError("Upgrade: websocket required");
  }
  if (!(h.get("connection") ?? "").toLowerCase().split(",").some((t) => t.trim() === "upgrade")) {
    throw new HandshakeError("Connection: Upgrade required");
  }
  if (h.get("sec-websocket-version") !== "13") {
    throw new HandshakeError("Sec-WebSocket-Version: 13 required");
  }
  const key = h.get("sec-websocket-key") ?? "";
  if (!/^[A-Za-z0-9+/]{22}==$/.test(key)) throw new HandshakeError("bad Sec-WebSocket-Key");
  const accept = createHash("sha1").update(key + GUID).digest("base64");
  const prelude = encoder.encode(
    "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n" +
      `sec-websocket-accept: ${accept}\r\n\r\n`,
  );
  const socket = new ServerWebSocket(
    slot.conn,
    {
      maxPayload: slot.maxMessageBytes,
      now: slot.now,
      account: slot.conn.account,
      ...(slot.peerRate ? { rate: new PeerRate(slot.peerRate, slot.now()) } : {}),
      ...(slot.scheduler ? { scheduler: slot.scheduler } : {}),
    },
    prelude,
    slot.leftover(),
  );
  socket.onwelcomed = () => slot.conn.welcome();
  // Never sent (the 101 above is): it only tells `takeUpgrade` the handler returned it, so no
  // headers (their conversion was a third of this function's time in a connect storm).
  const response = new Response(null, { status: 200 });
  slot.accepted = { socket, response };
  return { socket, response };
}

/**
 * After the handler: the socket to start when it returned the upgrade's
 * response. A socket made for another response is ended.
 * @param req the request
 * @param res what the handler returned
 * @returns the socket, or null to answer `res` over HTTP
 */
export function takeUpgrade(req: Request, res: Response): ServerWebSocket | null {
  const slot = UPGRADE_SLOTS.get(req);
  UPGRADE_SLOTS.delete(req);
  const accepted = slot?.accepted;
  if (!slot || !accepted) return null;
  if (accepted.response !== res) {
    accepted.socket.terminate();
    return null;
  }
  slot.conn.upgraded = true;
  return accepted.socket;
}
