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
import {
  type HeadError,
  type HeadResult,
  parseRequestHead,
  type RequestHead,
} from "./http_head.ts";
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
      const req = buildRequest(head, body, requestScheme(conn, head, o));
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

/** Whether a request of this method carries its body into the `Request` (not GET, not HEAD). */
function hasBody(method: string): boolean {
  return method !== "GET" && method !== "HEAD";
}

/** The first field of that name (lowercase), or undefined. */
function header(head: RequestHead, name: string): string | undefined {
  for (let i = 0; i < head.headers.length; i++) {
    const field = head.headers[i]!;
    if (field[0] === name) return field[1];
  }
  return undefined;
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
  if (!HOST.test(value)) return false;
  // A port is what follows the last `:` outside the brackets (no match array to read it from).
  const colon = value.lastIndexOf(":");
  return colon <= value.lastIndexOf("]") || Number(value.slice(colon + 1)) <= 65535;
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
function buildRequest(head: RequestHead, body: Uint8Array | null, scheme: string): Request | null {
  try {
    let host = "";
    let hosts = 0;
    for (let i = 0; i < head.headers.length; i++) {
      const field = head.headers[i]!;
      if (field[0] === "host") {
        host = field[1];
        hosts++;
      }
    }
    if (hosts > 1) return null;
    if (host === "") host = "localhost";
    if (!isValidHost(host)) return null;
    const target = head.target;
    if (target.includes("#")) return null; // no fragment in a request target
    let req: Request;
    if (target.startsWith("/")) {
      req = newRequest(`${scheme}://${host}${target}`, head, body);
      // The path routed is the one sent: WHATWG URL must not have rewritten it
      // (a `\` read as `/`, dot segments resolved, `%2e` decoded). The query
      // may be re-encoded: its meaning does not change. The request's URL is
      // `scheme://host/path?query` (a valid `Host` has no `/`), read as it is
      // rather than parsed a second time into a `URL`.
      const url = req.url;
      const pathStart = url.indexOf("/", scheme.length + 3);
      const q = url.indexOf("?", pathStart);
      const sentQ = target.indexOf("?");
      if (
        pathStart < 0 ||
        url.slice(pathStart, q < 0 ? url.length : q) !==
          (sentQ < 0 ? target : target.slice(0, sentQ))
      ) return null;
    } else {
      const url = new URL(target);
      if (url.href !== target) return null;
      if (url.protocol !== "http:" && url.protocol !== "https:") return null;
      req = newRequest(target, head, body);
    }
    return req;
  } catch {
    return null;
  }
}

/**
 * A `Request` of the head's method and fields, with `body` (not GET, not
 * HEAD). The fields are appended one by one to the request's own `Headers`:
 * handing them to the constructor as `init.headers` converts the whole list
 * into new arrays first (measured, issue 18 item 4: 4.0 KB allocated per
 * request with one field that way, 2.9 KB appended; with eight fields
 * 8.8 KB against 4.0 KB), and a `Headers` built here would be copied.
 */
function newRequest(url: string, head: RequestHead, body: Uint8Array | null): Request {
  const req = body !== null
    ? new Request(url, { method: head.method, body: body as Uint8Array<ArrayBuffer> })
    : head.method === "GET"
    ? new Request(url)
    : new Request(url, { method: head.method });
  const headers = req.headers;
  for (let i = 0; i < head.headers.length; i++) {
    const field = head.headers[i]!;
    headers.append(field[0], field[1]);
  }
  return req;
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
  // `forEach` allocates less than the headers' iterator (1.7 KB against 2.7 KB
  // measured), and less again with no `thisArg` to bind it to.
  res.headers.forEach(addField);
  const fields = headFields;
  headFields = "";
  const head = `${statusLine(res.status, res.statusText)}${fields}content-length: ${body.length}` +
    (keepAlive ? KEEP_ALIVE_END : CLOSE_END);
  const withBody = method !== "HEAD" && body.length > 0;
  const bytes = encodeResponse(head, withBody ? body : null);
  const size = bytes.length;
  // The response waits in memory until the peer reads it: charged to its account.
  if (!conn.account.charge(size)) {
    await respondError(conn, { status: 503, message: "response over this connection's limit" });
    conn.close();
    return;
  }
  try {
    await conn.writeAll(bytes);
  } finally {
    conn.account.release(size);
  }
}

const KEEP_ALIVE_END = "\r\nconnection: keep-alive\r\n\r\n";
const CLOSE_END = "\r\nconnection: close\r\n\r\n";

/** The header lines `addField` has collected (taken and cleared by `writeResponse`, synchronously). */
let headFields = "";

/** A `Headers.forEach` callback: one field as a head line, but those the head sets itself. */
function addField(value: string, name: string): void {
  if (name === "content-length" || name === "connection" || name === "transfer-encoding") return;
  headFields += `${name}: ${value}\r\n`;
}

/** Status lines with the standard reason phrase, by status (at most 600: a `Response`'s status is 200–599, or 101). */
const STATUS_LINES = new Map<number, string>();

/** `HTTP/1.1 <status> <reason>\r\n`: the standard phrase's line is built once per status. */
function statusLine(status: number, statusText: string): string {
  if (statusText !== "") return `HTTP/1.1 ${status} ${statusText}\r\n`;
  let line = STATUS_LINES.get(status);
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\n`;
    STATUS_LINES.set(status, line);
  }
  return line;
}

/**
 * The response's bytes: its head (UTF-8, as `TextEncoder` writes it) then its
 * body, in one buffer. An ASCII head (all but a field value with a byte over
 * 0x7F) is copied into that buffer as it is read, with no encoded copy first.
 */
function encodeResponse(head: string, body: Uint8Array | null): Uint8Array {
  const bodyLength = body === null ? 0 : body.length;
  const out = new Uint8Array(head.length + bodyLength);
  for (let i = 0; i < head.length; i++) {
    const c = head.charCodeAt(i);
    if (c > 0x7f) {
      const headBytes = encoder.encode(head);
      return body === null ? headBytes : concatBytes(headBytes, body);
    }
    out[i] = c;
  }
  if (body !== null) out.set(body, head.length);
  return out;
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
