/**
 * `GET /api/history` (PROTOCOL.md §2, v1.1): decided responses, newest
 * decision first, for an operator's or admin's bearer token. `401` without
 * a valid token, `403` for another role, `400` `bad_frame` naming a bad
 * parameter, `503` when the database does not answer.
 * @module
 */
import type { TokenVerifier } from "../auth/jwt.ts";
import type { Clock } from "../clock.ts";
import { errorFrame } from "../commands/errors.ts";
import type { Logger } from "../logging/logger.ts";
import { HTTP_STATUS_OF, ProtocolError } from "../protocol/codes.ts";
import type { ErrorFrame } from "../protocol/frames.ts";
import type { DecidedStatus, HistoryItem, HistoryPage } from "../protocol/http_bodies.ts";
import { requireRole } from "../http/bearer.ts";
import type { HistoryStore } from "../store/history_store.ts";
import type { ResponseRow } from "../store/rows.ts";
import { StoreUnavailableError } from "../store/store.ts";
import { encodeCursor, parseHistoryQuery } from "./query.ts";
import type { HistoryLimiter, HistoryRefusal } from "./limiter.ts";
import type { PublicationRow, PublicationStore } from "../publication/store_types.ts";
import { publicationView } from "../publication/views.ts";

/** What the route needs. */
export interface HistoryDeps {
  /** Verifies the caller's token (operator or admin; the access gate). */
  readonly auth: TokenVerifier;
  /** Where the decided responses are read. */
  readonly store: HistoryStore & Pick<PublicationStore, "publicationsOf">;
  /** Time, for token expiry. */
  readonly clock: Clock;
  /** Where failed queries are reported. */
  readonly logger: Logger;
  /** (issue 13) Per-user and process-wide limits on searches; absent, none. */
  readonly limiter?: HistoryLimiter;
}

const REFUSALS: Readonly<Record<HistoryRefusal, string>> = {
  per_user: "you have history requests running: wait for them",
  rate: "too many history requests; slow down",
  in_flight: "the server is answering many history requests; try again shortly",
};

/** A row as history lists it: decided, with its time. */
type DecidedRow = ResponseRow & { readonly status: DecidedStatus; readonly decided_at: Date };

function isDecided(row: ResponseRow): row is DecidedRow {
  return (row.status === "approved" || row.status === "rejected") && row.decided_at !== null;
}

/**
 * Maps a decided row to its item.
 * @param row the row
 * @param pub (v1.2) its publication row, if any
 * @returns the item, times in ISO-8601 UTC
 */
export function historyItem(row: ResponseRow, pub: PublicationRow | null = null): HistoryItem {
  if (!isDecided(row)) {
    // The history query lists decided rows only (`sql_history.ts`): never here.
    throw new TypeError(`response ${row.id} is ${row.status}, not decided`);
  }
  return {
    response_id: row.id,
    platform: row.platform,
    post_url: row.post_url,
    post_text: row.post_text,
    author: row.author,
    response_text: row.response_text,
    status: row.status,
    decided_by: row.decided_by,
    decided_at: row.decided_at.toISOString(),
    reason: row.reason,
    created_at: row.created_at.toISOString(),
    original_text: pub?.originalText ?? null,
    publication: pub === null || row.status !== "approved" ? null : publicationView(pub),
  };
}

const JSON_TYPE = {
  "content-type": "application/json; charset=utf-8",
  "cache-control": "no-store",
};

function answer(body: unknown, status: number): Response {
  return new Response(JSON.stringify(body), { status, headers: JSON_TYPE });
}

function problem(frame: ErrorFrame): Response {
  return answer(frame, HTTP_STATUS_OF[frame.code]);
}

/**
 * Answers one history request.
 * @param req the request
 * @param url its parsed URL
 * @param d the dependencies
 * @returns the response
 */
export async function historyRoute(req: Request, url: URL, d: HistoryDeps): Promise<Response> {
  const access = await requireRole(req, ["operator", "admin"], d.auth, d.clock.now());
  if (!access.ok) return access.response;
  const permit = d.limiter?.admit(access.identity.sub, d.clock.now());
  if (typeof permit === "string") {
    const res = problem(errorFrame(undefined, "rate_limited", REFUSALS[permit]));
    res.headers.set("retry-after", "1");
    return res;
  }
  try {
    const query = parseHistoryQuery(url.searchParams);
    // One row more than asked says whether another page follows.
    const rows = await d.store.history({ ...query, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const next = rows.length > query.limit && last?.decided_at
      ? encodeCursor(last.decided_at, last.id)
      : null;
    const pubs = new Map(
      (await d.store.publicationsOf(page.map((r) => r.id))).map((p) => [p.responseId, p]),
    );
    const items = page.map((row) => historyItem(row, pubs.get(row.id) ?? null));
    const body: HistoryPage = { items, next_cursor: next };
    return answer(body, 200);
  } catch (e) {
    if (e instanceof ProtocolError) {
      return problem(errorFrame(undefined, e.code, e.message, { ...e.fields }));
    }
    if (e instanceof StoreUnavailableError) {
      return problem(errorFrame(undefined, "unavailable", "the database does not answer"));
    }
    d.logger.error("history failed", { error: e });
    return problem(errorFrame(undefined, "internal", "internal error"));
  } finally {
    permit?.release();
  }
}
