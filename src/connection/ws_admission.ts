/**
 * The only caller of the HTTP layer's `upgradeWebSocket`: checks the
 * `Origin`, the connection limit and the server's state before handing the
 * socket over.
 * @module
 */
import type { Logger } from "../logging/logger.ts";
import { CLOSE } from "../protocol/codes.ts";
import { HandshakeError, upgradeWebSocket } from "../transport/ws_handshake.ts";
import type { WebSocketManager } from "./manager.ts";
import type { ConnectionHandler } from "./connection_handler.ts";

/** Options of the upgrade. */
export interface UpgradeOptions {
  /** The registry new connections join. */
  readonly manager: WebSocketManager;
  /** Handles each accepted socket's frames. */
  readonly handler: ConnectionHandler;
  /** Where refused upgrades are reported. */
  readonly logger: Logger;
  /** Extra origins allowed besides the server's own. */
  readonly allowedOrigins: readonly string[];
  /** Most simultaneous connections; past it new ones close 1008. */
  readonly maxConnections: number;
  /** True while the server is stopping: no new connections. */
  readonly stopping: () => boolean;
}

/**
 * Whether a browser's `Origin` may open `/ws`: the server's own origin (the
 * request's scheme and `Host`) or one of the configured ones.
 * @param origin the `Origin` header
 * @param requestUrl the request's URL
 * @param host the `Host` header
 * @param allowed extra allowed origins
 * @returns whether it is allowed
 */
export function originAllowed(
  origin: string,
  requestUrl: URL,
  host: string | null,
  allowed: readonly string[],
): boolean {
  const own = `${requestUrl.protocol}//${host ?? requestUrl.host}`.toLowerCase();
  const o = origin.toLowerCase();
  return o === own || allowed.some((a) => a.toLowerCase() === o);
}

/**
 * Upgrades a request to a WebSocket and registers it.
 * @param req the request to `/ws`
 * @param remoteAddress the peer's address
 * @param o the options
 * @returns the upgrade response, or 400/403/503
 */
export function upgradeToWebSocket(
  req: Request,
  remoteAddress: string,
  o: UpgradeOptions,
): Response {
  if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return new Response("expected a WebSocket upgrade\n", {
      status: 426,
      headers: { upgrade: "websocket" },
    });
  }
  if (o.stopping()) return new Response("server is stopping\n", { status: 503 });
  const origin = req.headers.get("origin");
  if (
    origin !== null &&
    !originAllowed(origin, new URL(req.url), req.headers.get("host"), o.allowedOrigins)
  ) {
    o.logger.info("origin refused", { origin, remote: remoteAddress });
    return new Response("origin not allowed\n", { status: 403 });
  }
  let upgraded;
  try {
    upgraded = upgradeWebSocket(req);
  } catch (e) {
    if (!(e instanceof HandshakeError)) throw e;
    return new Response(`${e.message}\n`, { status: 400 });
  }
  const { socket, response } = upgraded;
  if (o.manager.clients.size >= o.maxConnections) {
    socket.close(CLOSE.policy, "too many connections");
    return response;
  }
  o.handler.accept(socket, remoteAddress);
  return response;
}
