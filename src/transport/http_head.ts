/**
 * The head of an HTTP/1.1 request, parsed apart from any I/O: request line
 * and header fields, with the limits a server owes its other clients (a head
 * of at most `MAX_HEAD_BYTES`, a target of at most `MAX_TARGET_BYTES`, at
 * most `MAX_HEADER_COUNT` fields). Strict where leniency lets requests be
 * smuggled: no whitespace before a field's colon, no obsolete line folding,
 * one `Content-Length` and never both it and `Transfer-Encoding`; field
 * values are trimmed of spaces and tabs only (RFC 9110 OWS), so a
 * `Content-Length` padded with VT or NBSP is refused. The search for the
 * head's end resumes where the previous call stopped (`scanFrom`), so a head
 * sent one byte per segment costs linear time, not quadratic.
 * @module
 */

/** Largest request head (request line and fields) accepted: else 431. */
export const MAX_HEAD_BYTES = 16 * 1024;
/** Longest request target accepted: else 414. */
export const MAX_TARGET_BYTES = 8 * 1024;
/** Most header fields accepted: else 431. */
export const MAX_HEADER_COUNT = 100;

/** A parsed request head. */
export interface RequestHead {
  /** The request method, as sent. */
  readonly method: string;
  /** The request target (path and query), as sent. */
  readonly target: string;
  /** `1.0` or `1.1`. */
  readonly version: "1.0" | "1.1";
  /** Header fields in order, names lowercased. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** The body's length in bytes (0 when none). */
  readonly contentLength: number;
  /** Whether the connection stays open after the response. */
  readonly keepAlive: boolean;
}

/** Why a head was refused, with the status to answer. */
export interface HeadError {
  /** The status to answer with. */
  readonly status: 400 | 411 | 414 | 431 | 501 | 505;
  /** The reason, as the response's body. */
  readonly message: string;
}

/** What parsing found so far. */
export type HeadResult =
  | { readonly kind: "incomplete" }
  | { readonly kind: "head"; readonly head: RequestHead; readonly bodyStart: number }
  | { readonly kind: "error"; readonly error: HeadError };

/** The one `incomplete` result (it carries nothing, so none is allocated per call). */
const INCOMPLETE: HeadResult = Object.freeze({ kind: "incomplete" });
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** WHATWG's "latin1" is windows-1252: right for ASCII, not for 0x80–0x9F (see `isoLatin1`). */
const decoder = new TextDecoder("latin1");
/** A character windows-1252 makes of a byte that ISO-8859-1 keeps as itself. */
const BEYOND_LATIN1 = /[\u0100-\uffff]/;

/**
 * Bytes as ISO-8859-1, each byte the character of its own value, as HTTP
 * reads a head (RFC 9110 §5.5: obs-text is opaque octets). WHATWG's `latin1`
 * decoder is windows-1252, which turns 0x80 into `€` and 26 other bytes of
 * 0x80–0x9F into characters past U+00FF: no `Headers` accepts those, so a
 * field value holding one would fail in the handler that first reads the
 * headers (a 500) instead of being a field like any other. Most heads are
 * ASCII, where both agree: the native decoder, and a byte-by-byte pass only
 * when its text shows one of those bytes.
 * @param bytes the head's bytes
 * @returns the text, one character per byte, none past U+00FF
 */
export function isoLatin1(bytes: Uint8Array): string {
  const text = decoder.decode(bytes);
  if (!BEYOND_LATIN1.test(text)) return text;
  let out = "";
  for (let i = 0; i < bytes.length; i += 4096) {
    out += String.fromCharCode(...bytes.subarray(i, i + 4096));
  }
  return out;
}

/**
 * Looks for a complete request head at the start of `bytes`.
 * @param bytes what has been read of the request so far
 * @param scanFrom how many of `bytes` an earlier call saw without finding the end (0: none)
 * @returns `incomplete`, the head and where the body starts, or an error
 */
export function parseRequestHead(bytes: Uint8Array, scanFrom = 0): HeadResult {
  const end = findHeadEnd(bytes, Math.max(0, scanFrom - 3));
  if (end < 0) {
    if (bytes.length > MAX_HEAD_BYTES) return fail(431, "request head too large");
    // A request line that is already too long will not get shorter.
    const firstLine = bytes.indexOf(0x0a);
    if (firstLine < 0 && bytes.length > MAX_TARGET_BYTES + 32) return fail(414, "URI too long");
    return INCOMPLETE;
  }
  if (end > MAX_HEAD_BYTES) return fail(431, "request head too large");
  const text = isoLatin1(bytes.subarray(0, end));
  const lines = text.split("\r\n");
  const requestLine = lines[0] ?? "";
  const parts = requestLine.split(" ");
  if (parts.length !== 3) return fail(400, "malformed request line");
  const [method, target, protocol] = parts as [string, string, string];
  if (!TOKEN.test(method)) return fail(400, "malformed method");
  if (target.length > MAX_TARGET_BYTES) return fail(414, "URI too long");
  if (target === "" || hasControl(target, true)) return fail(400, "malformed target");
  if (protocol !== "HTTP/1.1" && protocol !== "HTTP/1.0") {
    return /^HTTP\/\d\.\d$/.test(protocol)
      ? fail(505, "HTTP version not supported")
      : fail(400, "malformed request line");
  }
  const version = protocol === "HTTP/1.1" ? "1.1" : "1.0";
  const headers: Array<[string, string]> = [];
  let contentLength: number | null = null;
  let chunked = false;
  let connection = "";
  let hasHost = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "") continue;
    if (headers.length >= MAX_HEADER_COUNT) return fail(431, "too many header fields");
    if (line[0] === " " || line[0] === "\t") return fail(400, "obsolete line folding");
    const colon = line.indexOf(":");
    if (colon <= 0) return fail(400, "malformed header field");
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return fail(400, "malformed header name");
    const value = trimOws(line.slice(colon + 1));
    if (hasControl(value, false)) return fail(400, "malformed header value");
    const lower = name.toLowerCase();
    headers.push([lower, value]);
    if (lower === "content-length") {
      if (!/^\d{1,15}$/.test(value)) return fail(400, "malformed Content-Length");
      const n = Number(value);
      if (contentLength !== null && contentLength !== n) {
        return fail(400, "conflicting Content-Length");
      }
      contentLength = n;
    } else if (lower === "transfer-encoding") {
      chunked = true;
    } else if (lower === "connection") {
      connection += `,${value.toLowerCase()}`;
    } else if (lower === "host") {
      hasHost = true;
    }
  }
  if (chunked && contentLength !== null) {
    return fail(400, "both Content-Length and Transfer-Encoding");
  }
  if (chunked) return fail(411, "a request body needs Content-Length");
  if (version === "1.1" && !hasHost) return fail(400, "no Host");
  return {
    kind: "head",
    head: {
      method,
      target,
      version,
      headers,
      contentLength: contentLength ?? 0,
      keepAlive: keepAlive(version, connection),
    },
    bodyStart: end + 4,
  };
}

/** Whether the connection stays open: HTTP/1.1 unless `close`, HTTP/1.0 only with `keep-alive`. */
function keepAlive(version: "1.0" | "1.1", connection: string): boolean {
  if (connection === "") return version === "1.1"; // no `Connection` field: nothing to split
  const tokens = connection.split(",").map((t) => t.trim());
  return version === "1.1" ? !tokens.includes("close") : tokens.includes("keep-alive");
}

/** Whether text has a control character (or a space, when `space`); a tab is allowed in values. */
function hasControl(text: string, space: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7f || (c < 0x20 && (space || c !== 0x09)) || (space && c === 0x20)) return true;
  }
  return false;
}

/** A field value without leading and trailing spaces and tabs (and nothing else). */
function trimOws(text: string): string {
  let from = 0, to = text.length;
  while (from < to && (text[from] === " " || text[from] === "\t")) from++;
  while (to > from && (text[to - 1] === " " || text[to - 1] === "\t")) to--;
  return text.slice(from, to);
}

/** Index of the `\r\n\r\n` that ends the head (searching from `from`), or -1. */
function findHeadEnd(b: Uint8Array, from: number): number {
  for (let i = b.indexOf(0x0d, from); i >= 0 && i + 3 < b.length; i = b.indexOf(0x0d, i + 1)) {
    if (b[i + 1] === 0x0a && b[i + 2] === 0x0d && b[i + 3] === 0x0a) return i;
  }
  return -1;
}

function fail(status: HeadError["status"], message: string): HeadResult {
  return { kind: "error", error: { status, message } };
}
