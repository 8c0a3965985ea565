/**
 * An HTTP/1.1 request head as the handler sees it: a `Request` whose path is
 * the target exactly as sent (a target WHATWG URL would rewrite is refused),
 * `Host` checked as `host[:port]`, and the client's address and scheme as a
 * trusted proxy names them.
 * @module
 */
import type { RequestHead } from "./http_head.ts";
import { ServerRequest } from "./server_request.ts";
import type { TrackedConn } from "./tracked_conn.ts";

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
 * @param conn the connection
 * @param head the request's head
 * @param trusted the trusted proxies' addresses
 * @returns the address (at most 64 characters)
 */
export function clientAddress(
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
 * @param conn the connection
 * @param head the request's head
 * @param trusted the trusted proxies' addresses
 * @param scheme the listener's scheme
 * @returns `http` or `https`
 */
export function requestScheme(
  conn: TrackedConn,
  head: RequestHead,
  trusted: ReadonlySet<string>,
  scheme: "http" | "https",
): string {
  if (!trusted.has(conn.peerAddress)) return scheme;
  const proto = head.headers.find(([n]) => n === "x-forwarded-proto")?.[1]?.toLowerCase();
  return proto === "https" || proto === "http" ? proto : scheme;
}

/**
 * The request as a `Request` (a `ServerRequest`): its URL's path and query
 * are the target as sent, or it is refused (null). `Host` is checked as
 * `host[:port]` and only gives the URL its authority; one `Host` only.
 * @param head the request's head
 * @param body its body (null for GET and HEAD)
 * @param scheme the scheme the client used
 * @returns the request, or null when it is refused
 */
export function buildRequest(
  head: RequestHead,
  body: Uint8Array | null,
  scheme: string,
): Request | null {
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
    let url: string;
    if (target.startsWith("/")) {
      url = new URL(`${scheme}://${host}${target}`).href;
      // The path routed is the one sent: WHATWG URL must not have rewritten it
      // (a `\` read as `/`, dot segments resolved, `%2e` decoded). The query
      // may be re-encoded: its meaning does not change. The URL is
      // `scheme://host/path?query` (a valid `Host` has no `/`), read as it is
      // rather than parsed a second time.
      const pathStart = url.indexOf("/", scheme.length + 3);
      const q = url.indexOf("?", pathStart);
      const sentQ = target.indexOf("?");
      if (
        pathStart < 0 ||
        url.slice(pathStart, q < 0 ? url.length : q) !==
          (sentQ < 0 ? target : target.slice(0, sentQ))
      ) return null;
    } else {
      const parsed = new URL(target);
      if (parsed.href !== target) return null;
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return null;
      url = target;
    }
    const method = requestMethod(head.method);
    // What `new Request` refuses: a forbidden method, a body on GET or HEAD.
    if (method === null || (body !== null && !hasBody(method))) return null;
    return new ServerRequest(method, url, head.headers, body);
  } catch {
    return null;
  }
}

/**
 * Whether a request of this method may carry a body (not GET, not HEAD), as `Request` allows.
 * @param method the method
 * @returns false for GET and HEAD
 */
export function hasBody(method: string): boolean {
  return method !== "GET" && method !== "HEAD";
}

/** The methods fetch normalises to upper case when sent in any case. */
const NORMALISED_METHODS: ReadonlySet<string> = new Set([
  "DELETE",
  "GET",
  "HEAD",
  "OPTIONS",
  "POST",
  "PUT",
]);
/** The methods fetch forbids in a `Request` (in any case). */
const FORBIDDEN_METHODS: ReadonlySet<string> = new Set(["CONNECT", "TRACE", "TRACK"]);

/**
 * A request's method as `Request` has it (the fetch standard's "normalize"):
 * `DELETE`, `GET`, `HEAD`, `OPTIONS`, `POST` and `PUT` in upper case whatever
 * case they were sent in, any other token as sent; null for `CONNECT`,
 * `TRACE` and `TRACK`, which `new Request` refuses (the head parser has
 * checked that the method is a token).
 * @param sent the method as sent
 * @returns the method, or null when it is refused
 */
export function requestMethod(sent: string): string | null {
  if (NORMALISED_METHODS.has(sent)) return sent; // the usual case: no upper-case copy
  const upper = sent.toUpperCase();
  if (FORBIDDEN_METHODS.has(upper)) return null;
  return NORMALISED_METHODS.has(upper) ? upper : sent;
}
