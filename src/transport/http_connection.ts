/**
 * One HTTP/1.1 connection: reads each request's head (within the header
 * deadline), its body (at most `maxBodyBytes`), hands a `Request` to the
 * handler and writes the `Response`; keeps the connection for the next
 * request, or switches it to a WebSocket when the handler accepted an
 * upgrade (`upgradeWebSocket`).
 *
 * Issue 13: what it holds for the peer (the read buffer, the request so far,
 * the response being written) is charged to the connection's account (503
 * when refused); the routed path is the request target exactly as sent (a
 * target that WHATWG URL would rewrite — `\`, dot segments, characters it
 * percent-encodes — is 400, and `Host` never takes part in the path), and
 * `Host` must be `host[:port]`; `Expect: 100-continue` is answered (`100`, or
 * `417` for a body over the limit); at most `MAX_PIPELINED` requests are
 * answered from bytes already read before the connection is closed.
 * @module
 */
import { ChargedBuffer } from "./charged_buffer.ts";
import { type HeadResult, parseRequestHead, type RequestHead } from "./http_head.ts";
import { buildRequest, clientAddress, hasBody, requestScheme } from "./http_request.ts";
import { respondError, writeResponse } from "./http_response.ts";
import type { PeerRateLimits } from "./peer_rate.ts";
import { takeUpgrade, UPGRADE_SLOTS, type UpgradeSlot } from "./ws_handshake.ts";
import type { TrackedConn } from "./tracked_conn.ts";
import type { ServerWebSocket } from "./ws_socket.ts";
import type { WriteScheduler } from "./write_scheduler.ts";

/** What a request handler is told about its connection. */
export interface ConnInfo {
  /** The client's address (from `X-Forwarded-For` when the peer is a trusted proxy). */
  readonly remoteAddr: {
    readonly transport: "tcp";
    readonly hostname: string;
    readonly port: number;
  };
}

/** A request handler, as for `Deno.serve`. */
export type Handler = (req: Request, info: ConnInfo) => Response | Promise<Response>;

/** Options of the HTTP layer. */
export interface HttpOptions {
  /** Answers each request. */
  readonly handler: Handler;
  /** `http` or `https`: the scheme of request URLs. */
  readonly scheme: "http" | "https";
  /** Largest request body accepted (else 413). */
  readonly maxBodyBytes: number;
  /** Largest WebSocket message accepted (else 1009). */
  readonly maxMessageBytes: number;
  /** Time a request's head may take, and a kept-alive connection may idle (ms). */
  readonly headerTimeoutMs: number;
  /** Peers whose `X-Forwarded-For` names the client. */
  readonly trustedProxies: ReadonlySet<string>;
  /** Time (ms), for the header timeout. */
  readonly now: () => number;
  /** A request handler threw: logged by the owner. */
  readonly onHandlerError: (error: unknown) => void;
  /** A connection became a WebSocket (before it starts). */
  readonly onUpgrade: (socket: ServerWebSocket) => void;
  /** A WebSocket peer's rate limit (none: not limited at this layer). */
  readonly peerRate?: PeerRateLimits | null;
  /** The queue WebSockets' writes wait their turn in (default: the process's). */
  readonly writeScheduler?: WriteScheduler;
}

/** Most requests answered in a row from bytes already read (pipelined) before the connection closes. */
export const MAX_PIPELINED = 16;
const READ_BYTES = 4096;
const encoder = new TextEncoder();
const CONTINUE = encoder.encode("HTTP/1.1 100 Continue\r\n\r\n");

const INCOMPLETE: HeadResult = { kind: "incomplete" };

/** The peer's bytes did not fit its account. */
class OverLimit extends Error {}

/**
 * Serves one connection until it closes or becomes a WebSocket.
 * @param conn the accepted connection
 * @param o handler and limits
 */
export async function serveConnection(conn: TrackedConn, o: HttpOptions): Promise<void> {
  const buffered = new ChargedBuffer(conn.account);
  const chunk = new Uint8Array(READ_BYTES);
  conn.account.chargeAnyway(READ_BYTES);
  // What every request of this connection shares (issue 18, item 4: fewer
  // bytes allocated per request): one upgrade slot, its `accepted` cleared
  // per request; one `ConnInfo` while the client's address stays the same.
  const slot: UpgradeSlot = {
    conn,
    leftover: () => buffered.view(),
    maxMessageBytes: o.maxMessageBytes,
    now: o.now,
    peerRate: o.peerRate ?? null,
    scheduler: o.writeScheduler ?? null,
    accepted: null,
  };
  let info: ConnInfo | null = null;
  let pipelined = 0;
  try {
    while (!conn.closed) {
      conn.deadline = o.now() + o.headerTimeoutMs;
      // Nothing read yet (the usual case between requests): nothing to parse.
      let parsed = buffered.length === 0 ? INCOMPLETE : parseRequestHead(buffered.view());
      while (parsed.kind === "incomplete") {
        const scanned = buffered.length;
        // Read here, not through `readMore`: one async call less per request.
        const n = await conn.read(chunk);
        if (n === null) return;
        if (!buffered.append(chunk, n)) throw new OverLimit();
        parsed = parseRequestHead(buffered.view(), scanned);
      }
      if (parsed.kind === "error") {
        await respondError(conn, parsed.error);
        return;
      }
      const { head, bodyStart } = parsed;
      const expect = header(head, "expect");
      if (head.contentLength > o.maxBodyBytes) {
        await respondError(conn, {
          status: expect === undefined ? 413 : 417,
          message: "request body too large",
        });
        return;
      }
      if (expect !== undefined) {
        if (expect.toLowerCase() !== "100-continue") {
          await respondError(conn, { status: 417, message: "unsupported expectation" });
          return;
        }
        if (buffered.length < bodyStart + head.contentLength) await conn.writeAll(CONTINUE);
      }
      while (buffered.length < bodyStart + head.contentLength) {
        if (!(await readMore(conn, chunk, buffered))) return;
      }
      conn.deadline = 0;
      // A GET or HEAD request's body (if it sent one) is read and dropped, not copied.
      const body = hasBody(head.method)
        ? buffered.view().slice(bodyStart, bodyStart + head.contentLength)
        : null;
      buffered.consume(bodyStart + head.contentLength);
      pipelined = buffered.length > 0 ? pipelined + 1 : 0;
      const address = clientAddress(conn, head, o.trustedProxies);
      if (address !== conn.address && !conn.reassign(address)) {
        await respondError(conn, { status: 503, message: "too many connections from one address" });
        return;
      }
      const req = buildRequest(head, body, requestScheme(conn, head, o.trustedProxies, o.scheme));
      if (req === null) {
        await respondError(conn, { status: 400, message: "malformed request" });
        return;
      }
      slot.accepted = null;
      UPGRADE_SLOTS.set(req, slot);
      if (info === null || info.remoteAddr.hostname !== address) {
        info = { remoteAddr: { transport: "tcp", hostname: address, port: conn.port } };
      }
      let res: Response;
      try {
        res = await o.handler(req, info);
      } catch (e) {
        o.onHandlerError(e);
        res = new Response("internal error\n", { status: 500 });
      }
      const socket = takeUpgrade(req, res);
      if (socket) {
        o.onUpgrade(socket);
        socket.start();
        return;
      }
      const keepAlive = head.keepAlive && pipelined < MAX_PIPELINED;
      await writeResponse(conn, req.method, res, keepAlive);
      if (!keepAlive) return;
    }
  } catch (e) {
    // The peer went away or the stream failed: nothing to answer; or it
    // sent more than its account holds: 503.
    if (e instanceof OverLimit) {
      await respondError(conn, { status: 503, message: "request over this connection's limit" });
    }
  } finally {
    buffered.reset();
    conn.account.release(READ_BYTES);
    if (!conn.upgraded) conn.close();
  }
}

/**
 * Reads the next bytes into `buffered` (through `chunk`), for a body.
 * @returns false at the end of the stream
 * @throws {OverLimit} when the account cannot hold them
 */
async function readMore(
  conn: TrackedConn,
  chunk: Uint8Array,
  buffered: ChargedBuffer,
): Promise<boolean> {
  const n = await conn.read(chunk);
  if (n === null) return false;
  if (!buffered.append(chunk, n)) throw new OverLimit();
  return true;
}

/** The first field of that name (lowercase), or undefined. */
function header(head: RequestHead, name: string): string | undefined {
  for (let i = 0; i < head.headers.length; i++) {
    const field = head.headers[i]!;
    if (field[0] === name) return field[1];
  }
  return undefined;
}
