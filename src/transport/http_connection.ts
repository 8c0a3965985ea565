/**
 * One HTTP/1.1 connection: reads each request's head (within the header
 * deadline), its body (at most `maxBodyBytes`), hands a `Request` to the
 * handler and writes the `Response`; keeps the connection for the next
 * request, or switches it to a WebSocket when the handler accepted an
 * upgrade (`upgradeWebSocket`).
 * @module
 */
import { type HeadError, parseRequestHead, type RequestHead } from "./http_head.ts";
import { takeUpgrade, UPGRADE_SLOTS, type UpgradeSlot } from "./upgrade.ts";
import type { TrackedConn } from "./tracked_conn.ts";
import type { ServerWebSocket } from "./ws_socket.ts";

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
}

const READ_BYTES = 4096;
const encoder = new TextEncoder();

/**
 * Serves one connection until it closes or becomes a WebSocket.
 * @param conn the accepted connection
 * @param o handler and limits
 */
export async function serveConnection(conn: TrackedConn, o: HttpOptions): Promise<void> {
  let buffered: Uint8Array = new Uint8Array(0);
  const chunk = new Uint8Array(READ_BYTES);
  const read = async (): Promise<boolean> => {
    const n = await conn.read(chunk);
    if (n === null) return false;
    buffered = concatBytes(buffered, chunk.subarray(0, n));
    return true;
  };
  try {
    while (!conn.closed) {
      conn.deadline = o.now() + o.headerTimeoutMs;
      let parsed = parseRequestHead(buffered);
      while (parsed.kind === "incomplete") {
        if (!(await read())) return;
        parsed = parseRequestHead(buffered);
      }
      if (parsed.kind === "error") {
        await respondError(conn, parsed.error);
        return;
      }
      const { head, bodyStart } = parsed;
      if (head.contentLength > o.maxBodyBytes) {
        await respondError(conn, { status: 413, message: "request body too large" });
        return;
      }
      while (buffered.length < bodyStart + head.contentLength) {
        if (!(await read())) return;
      }
      conn.deadline = 0;
      const body = buffered.slice(bodyStart, bodyStart + head.contentLength);
      buffered = buffered.slice(bodyStart + head.contentLength);
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
        leftover: () => buffered,
        maxMessageBytes: o.maxMessageBytes,
        now: o.now,
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
      await writeResponse(conn, req.method, res, head.keepAlive);
      if (!head.keepAlive) return;
    }
  } catch {
    // The peer went away or the stream failed: nothing to answer.
  } finally {
    if (!conn.upgraded) conn.close();
  }
}

/** `a` then `b` in a new buffer (never a view of `b`: the read buffer is reused). */
function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
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

function buildRequest(head: RequestHead, body: Uint8Array, scheme: string): Request | null {
  try {
    const host = head.headers.find(([n]) => n === "host")?.[1] ?? "localhost";
    const url = head.target.startsWith("/")
      ? new URL(`${scheme}://${host}${head.target}`)
      : new URL(head.target);
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    const headers = new Headers();
    for (const [n, v] of head.headers) headers.append(n, v);
    const hasBody = head.method !== "GET" && head.method !== "HEAD";
    return new Request(url, {
      method: head.method,
      headers,
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
  const body = res.body ? new Uint8Array(await res.arrayBuffer()) : new Uint8Array(0);
  let head = `HTTP/1.1 ${res.status} ${res.statusText || reasonPhrase(res.status)}\r\n`;
  for (const [name, value] of res.headers) {
    if (name === "content-length" || name === "connection" || name === "transfer-encoding") {
      continue;
    }
    head += `${name}: ${value}\r\n`;
  }
  head += `content-length: ${body.length}\r\nconnection: ${
    keepAlive ? "keep-alive" : "close"
  }\r\n\r\n`;
  const headBytes = encoder.encode(head);
  const withBody = method !== "HEAD" && body.length > 0;
  await conn.writeAll(withBody ? concatBytes(headBytes, body) : headBytes);
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
