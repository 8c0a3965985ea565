/**
 * The query of `GET /api/history` (PROTOCOL.md §2, v1.1), parsed and
 * checked without I/O: filters, `limit`, and the opaque `cursor`, which
 * names the last row of the previous page (its `decided_at` and `id`) so
 * the next page continues by keyset, never by OFFSET.
 * @module
 */
import { ProtocolError } from "../protocol/codes.ts";
import { asResponseId } from "../protocol/types.ts";
import type { HistoryQuery } from "../store/history_store.ts";
import { PUBLICATION_STATES, type PublicationState } from "../protocol/publication_frames.ts";

/** The default page size. */
export const DEFAULT_HISTORY_LIMIT = 50;
/** The largest page. */
export const MAX_HISTORY_LIMIT = 200;
/** The longest search text (characters). */
export const MAX_SEARCH_CHARS = 256;

const bad = (message: string) => new ProtocolError("bad_frame", message);

/**
 * Encodes the position after a row as an opaque cursor.
 * @param decidedAt the row's `decided_at`
 * @param id the row's id
 * @returns URL-safe text
 */
export function encodeCursor(decidedAt: Date, id: number): string {
  const json = JSON.stringify([decidedAt.toISOString(), id]);
  return btoa(json).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * Decodes a cursor made by `encodeCursor`.
 * @param cursor the text
 * @returns the position
 * @throws {ProtocolError} `bad_frame` naming `cursor`
 */
export function decodeCursor(cursor: string): NonNullable<HistoryQuery["after"]> {
  let raw: unknown;
  try {
    raw = JSON.parse(atob(cursor.replaceAll("-", "+").replaceAll("_", "/")));
  } catch {
    throw bad("parameter 'cursor' is not a cursor this server made");
  }
  if (
    !Array.isArray(raw) || raw.length !== 2 || typeof raw[0] !== "string" ||
    !Number.isSafeInteger(raw[1]) || raw[1] <= 0 || Number.isNaN(Date.parse(raw[0]))
  ) {
    throw bad("parameter 'cursor' is not a cursor this server made");
  }
  return { decidedAt: new Date(raw[0]), id: asResponseId(raw[1]) };
}

/** (v1.2) Every parameter the route knows; any other is `400 bad_frame` naming it. */
export const HISTORY_PARAMETERS: ReadonlySet<string> = new Set([
  "status",
  "platform",
  "by",
  "q",
  "limit",
  "cursor",
  "from",
  "to",
  "publication",
]);

/** ISO-8601 UTC: a date, or a date and time ending in `Z` or `+00:00`. */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]00:?00))?$/;

function instant(params: URLSearchParams, name: string): Date | undefined {
  const v = text(params, name, 40);
  if (v === undefined) return undefined;
  const ms = ISO_UTC.test(v) ? Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v) : NaN;
  if (Number.isNaN(ms)) {
    throw bad(`parameter '${name}' must be an ISO-8601 UTC time, e.g. 2026-03-04T05:06:07Z`);
  }
  return new Date(ms);
}

function text(params: URLSearchParams, name: string, max: number): string | undefined {
  const v = params.get(name);
  if (v === null || v === "") return undefined;
  if (v.length > max) throw bad(`parameter '${name}' is longer than ${max} characters`);
  return v;
}

/**
 * Parses the query string of a history request.
 * @param params the URL's search parameters
 * @returns the checked query
 * @throws {ProtocolError} `bad_frame` naming the bad parameter
 */
export function parseHistoryQuery(params: URLSearchParams): HistoryQuery {
  for (const name of params.keys()) {
    if (!HISTORY_PARAMETERS.has(name)) {
      throw bad(
        `parameter '${name.slice(0, 64)}' is not known (known: ${
          [...HISTORY_PARAMETERS].join(", ")
        })`,
      );
    }
  }
  for (const name of HISTORY_PARAMETERS) {
    if (params.getAll(name).length > 1) throw bad(`parameter '${name}' is given more than once`);
  }
  const status = text(params, "status", 16);
  if (status !== undefined && status !== "approved" && status !== "rejected") {
    throw bad("parameter 'status' must be 'approved' or 'rejected'");
  }
  let limit = DEFAULT_HISTORY_LIMIT;
  const rawLimit = params.get("limit");
  if (rawLimit !== null && rawLimit !== "") {
    limit = /^\d{1,4}$/.test(rawLimit) ? Number(rawLimit) : NaN;
    if (!(limit >= 1 && limit <= MAX_HISTORY_LIMIT)) {
      throw bad(`parameter 'limit' must be an integer from 1 to ${MAX_HISTORY_LIMIT}`);
    }
  }
  const platform = text(params, "platform", 16);
  const by = text(params, "by", 255);
  const q = text(params, "q", MAX_SEARCH_CHARS);
  const cursor = text(params, "cursor", 200);
  const from = instant(params, "from");
  const to = instant(params, "to");
  const publication = text(params, "publication", 16);
  if (
    publication !== undefined && !(PUBLICATION_STATES as readonly string[]).includes(publication)
  ) {
    throw bad(`parameter 'publication' must be one of ${PUBLICATION_STATES.join(", ")}`);
  }
  return {
    ...(publication === undefined ? {} : { publication: publication as PublicationState }),
    ...(status === undefined ? {} : { status }),
    ...(platform === undefined ? {} : { platform }),
    ...(by === undefined ? {} : { by }),
    ...(q === undefined ? {} : { q }),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
    ...(publication === undefined ? {} : { publication: publication as PublicationState }),
    limit,
    ...(cursor === undefined ? {} : { after: decodeCursor(cursor) }),
  };
}
