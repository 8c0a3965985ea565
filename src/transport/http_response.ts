/**
 * Writing an HTTP/1.1 response: its head (status line cached per status, the
 * `Response`'s fields, `content-length`, `connection`) and body in one buffer,
 * charged to the connection's account until written.
 * @module
 */
import type { HeadError } from "./http_head.ts";
import type { TrackedConn } from "./tracked_conn.ts";
import { concatBytes } from "./bytes.ts";

const encoder = new TextEncoder();

/**
 * Writes a `Response` (its static body read whole), charged to the
 * connection's account while it waits for the peer; 503 and close when the
 * account refuses it.
 * @param conn the connection
 * @param method the request's method (no body for HEAD)
 * @param res the response
 * @param keepAlive whether the connection stays open after it
 */
export async function writeResponse(
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

/**
 * Answers an error in plain text and says the connection closes.
 * @param conn the connection
 * @param error the status and the message
 */
export async function respondError(
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
