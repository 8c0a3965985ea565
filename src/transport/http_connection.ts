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
import { type HeadError, parseRequestHead, type RequestHead } from "./http_head.ts";
import { PeerRate, type PeerRateLimits } from "./peer_rate.ts";
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
  const read = async (): Promise<boolean> => {
    const n = await conn.read(chunk);
    if (n === null) return false;
    if (!buffered.append(chunk.subarray(0, n))) throw new OverLimit();
    return true;
  };
  let pipelined = 0;
  try {
    while (!conn.closed) {
      conn.deadline = o.now() + o.headerTimeoutMs;
      let parsed = parseRequestHead(buffered.view());
      while (parsed.kind === "incomplete") {
        const scanned = buffered.length;
        if (!(await read())) return;
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
        if (!(await read())) return;
      }
      conn.deadline = 0;
      const body = buffered.view().slice(bodyStart, bodyStart + head.contentLength);
      buffered.consume(bodyStart + head.contentLength);
      pipelined = buffered.length > 0 ? pipelined + 1 : 0;
      const address = clientAddress(conn, head, o.trustedProxies);
      if (address !== conn.address && !conn.reassign(address)) {
        await respondError(conn, { status: 503, message: "too many connections from one address" });
        return;
      }
      const req = buildRequest(head, body, requestScheme(conn, head, o));
      if (req === null) {
        await respondError(conn, { status: 400, message: "malformed request" });
        return;
      }
      const slot: UpgradeSlot = {
        conn,
        leftover: () => buffered.view(),
        maxMessageBytes: o.maxMessageBytes,
        now: o.now,
        rate: o.peerRate ? new PeerRate(o.peerRate, o.now()) : null,
        scheduler: o.writeScheduler ?? null,
        accepted: null,
      };
      UPGRADE_SLOTS.set(req, slot);
      let res: Response;
      try {
        res = await o.handler(req, {
          remoteAddr: { transport: "tcp", hostname: address, port: conn.port },
        });
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

function header(head: RequestHead, name: string): string | undefined {
  return head.headers.find(([n]) => n === name)?.[1];
}

/** `host[:port]` (RFC 9110 §7.2): a registered name, an IPv4 address or a bracketed IPv6 one. */
const HOST = /^(?:[A-Za-z0-9\-._~]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/;

/**
 * Whether a `Host` value is `host[:port]` (empty is allowed, as for a target without authority).
 * @param value the field's value
 * @returns whether it is well-formed
 */
export function isValidHost(value: string): boolean {
  if (value === "") return true;
  const m = HOST.exec(value);
  return m !== null && (m[1] === undefined || Number(m[1]) <= 65535);
}

/**
 * The client's address: the peer's, or, when the peer is a trusted proxy,
 * the right-most address in `X-Forwarded-For` that is not a trusted proxy.
 */
function clientAddress(
  conn: TrackedConn,
  head: RequestHead,
  trusted: ReadonlySet<string>,
): string {
  if (!trusted.has(conn.peerAddress)) return conn.peerAddress;
  const forwarded = head.headers.filter(([n]) => n === "x-forwarded-for").map(([, v]) => v)
    .join(",").split(",").map((s) => s.trim()).filter(Boolean);
  for (let i = forwarded.length - 1; i >= 0; i--) {
    const a = forwarded[i]!;
    if (!trusted.has(a)) return a.length <= 64 ? a : a.slice(0, 64);
  }
  return conn.peerAddress;
}

/**
 * The scheme the client used: the listener's, or, behind a trusted proxy that
 * terminates TLS, its `X-Forwarded-Proto` (so the page's own `https` origin is
 * recognised as the server's own).
 */
function requestScheme(conn: TrackedConn, head: RequestHead, o: HttpOptions): string {
  if (!o.trustedProxies.has(conn.peerAddress)) return o.scheme;
  const proto = head.headers.find(([n]) => n === "x-forwarded-proto")?.[1]?.toLowerCase();
  return proto === "https" || proto === "http" ? proto : o.scheme;
}

/**
 * The request as a `Request`: its URL's path and query are the target as
 * sent, or it is refused (null). `Host` is checked as `host[:port]` and only
 * gives the URL its authority; one `Host` only.
 */
function buildRequest(head: RequestHead, body: Uint8Array, scheme: string): Request | null {
  try {
    const hosts = head.headers.filter(([n]) => n === "host");
    if (hosts.length > 1) return null;
    const host = hosts[0]?.[1] || "localhost";
    if (!isValidHost(host)) return null;
    let url: URL;
    if (head.target.includes("#")) return null; // no fragment in a request target
    if (head.target.startsWith("/")) {
      url = new URL(`${scheme}://${host}${head.target}`);
      // The path routed is the one sent: WHATWG URL must not have rewritten it
      // (a `\` read as `/`, dot segments resolved, `%2e` decoded). The query
      // may be re-encoded: its meaning does not change.
      const q = head.target.indexOf("?");
      if (url.pathname !== (q < 0 ? head.target : head.target.slice(0, q))) return null;
    } else {
      url = new URL(head.target);
      if (url.href !== head.target) return null;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    const hasBody = head.method !== "GET" && head.method !== "HEAD";
    // The fields as pairs, appended in order as `Headers.append` would: a
    // `Headers` built here first would be copied into the request's own
    // (measured: 6.7 KB allocated per request with it, 3.9 KB without).
    return new Request(url, {
      method: head.method,
      headers: head.headers as [string, string][],
      ...(hasBody ? { body: body as Uint8Array<ArrayBuffer> } : {}),
    });
  } catch {
    return null;
  }
}

async function writeResponse(
  conn: TrackedConn,
  method: string,
  res: Response,
  keepAlive: boolean,
): Promise<void> {
  // `bytes()` takes a static body (a string, bytes) as it is; reading `res.body`
  // first would wrap it in a ReadableStream, whose reader and promises cost
  // 2.5 KB a request (measured, issue 18 item 4).
  const body = await res.bytes();
  const fields = new HeadFields();
  // `forEach` allocates less than the headers' iterator (1.7 KB against 2.7 KB measured).
  res.headers.forEach(fields.add, fields);
  const head =
    `HTTP/1.1 ${res.status} ${res.statusText || reasonPhrase(res.status)}\r\n${fields.text}` +
    `content-length: ${body.length}\r\nconnection: ${keepAlive ? "keep-alive" : "close"}\r\n\r\n`;
  const headBytes = encoder.encode(head);
  const withBody = method !== "HEAD" && body.length > 0;
  const size = headBytes.length + (withBody ? body.length : 0);
  // The response waits in memory until the peer reads it: charged to its account.
  if (!conn.account.charge(size)) {
    await respondError(conn, { status: 503, message: "response over this connection's limit" });
    conn.close();
    return;
  }
  try {
    await conn.writeAll(withBody ? concatBytes(headBytes, body) : headBytes);
  } finally {
    conn.account.release(size);
  }
}

/** Collects a response's header fields as head lines (a `Headers.forEach` callback's owner). */
class HeadFields {
  text = "";
  add(this: HeadFields, value: string, name: string): void {
    if (name === "content-length" || name === "connection" || name === "transfer-encoding") return;
    this.text += `${name}: ${value}\r\n`;
  }
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

async function respondError(
  conn: TrackedConn,
  error: HeadError | { status: number; message: string },
) {
  const text = `${error.message}\n`;
  await conn.writeAll(encoder.encode(
    `HTTP/1.1 ${error.status} ${reasonPhrase(error.status)}\r\ncontent-type: text/plain\r\n` +
      `content-length: ${text.length}\r\nconnection: close\r\n\r\n${text}`,
  )).catch(() => {});
}

const REASONS: Readonly<Record<number, string>> = {
  200: "OK",
  204: "No Content",
  301: "Moved Permanently",
  302: "Found",
  304: "Not Modified",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  411: "Length Required",
  413: "Content Too Large",
  417: "Expectation Failed",
  414: "URI Too Long",
  426: "Upgrade Required",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
};

/**
 * The standard reason phrase of a status.
 * @param status the status code
 * @returns its phrase, or `Status`
 */
export function reasonPhrase(status: number): string {
  return REASONS[status] ?? "Status";
}
