/**
 * The History view's pure parts: the query of `GET /api/history` from the
 * form's fields, and what one decided reply says (PROTOCOL.md §2).
 * @module
 */
import type { HistoryItem } from "../../src/protocol/http_bodies.ts";

/** The History form's fields; `""` means "any". */
export interface HistoryFilter {
  readonly status: "" | "approved" | "rejected";
  readonly platform: string;
  readonly by: string;
  /** Words in the reply, the post, the author or (v1.2) the reason. */
  readonly q: string;
  /** (v1.2) The first day (`YYYY-MM-DD`, this browser's zone), or `""`. */
  readonly from?: string;
  /** (v1.2) The last day, included (`YYYY-MM-DD`), or `""`. */
  readonly to?: string;
  /** (v1.2) The publication state, or `""`. */
  readonly publication?: string;
}

/** A filter that lists every decision. */
export const ANY_DECISION: HistoryFilter = { status: "", platform: "", by: "", q: "" };

/** A query of the history: the filter, and where to go on from. */
export interface HistoryQuery {
  readonly status?: "approved" | "rejected";
  readonly platform?: string;
  readonly by?: string;
  readonly q?: string;
  /** (v1.2) ISO-8601 UTC, inclusive, on `decided_at`. */
  readonly from?: string;
  /** (v1.2) ISO-8601 UTC, exclusive, on `decided_at`. */
  readonly to?: string;
  /** (v1.2) `held` | `queued` | `publishing` | `published` | `failed`. */
  readonly publication?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

/** Decisions per page of the view. */
export const HISTORY_PAGE_SIZE = 25;

/**
 * The query for the form's fields, with blank fields left out.
 * @param filter the fields
 * @param cursor the previous page's `next_cursor`, or null for the first page
 * @returns the query
 */
export function historyQuery(filter: HistoryFilter, cursor: string | null): HistoryQuery {
  const by = filter.by.trim();
  const q = filter.q.trim();
  const platform = filter.platform.trim();
  const from = dayStart(filter.from ?? "", 0);
  const to = dayStart(filter.to ?? "", 1);
  const publication = (filter.publication ?? "").trim();
  return {
    ...(filter.status === "" ? {} : { status: filter.status }),
    ...(platform === "" ? {} : { platform }),
    ...(by === "" ? {} : { by }),
    ...(q === "" ? {} : { q }),
    ...(from === null ? {} : { from }),
    ...(to === null ? {} : { to }),
    ...(publication === "" ? {} : { publication }),
    limit: HISTORY_PAGE_SIZE,
    ...(cursor === null ? {} : { cursor }),
  };
}

/**
 * The start of a day in this browser's zone, as ISO-8601 UTC.
 * @param day `YYYY-MM-DD` from a date field, or `""`
 * @param plusDays days to add (1 for the exclusive end of a "to" day)
 * @returns the instant, or null when the field is blank or odd
 */
export function dayStart(day: string, plusDays: number): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day.trim());
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plusDays);
  return Number.isFinite(d.getTime()) ? d.toISOString() : null;
}

/**
 * A history query as URL search parameters (`GET /api/history?…`).
 * @param query the query
 * @returns the parameters, in a stable order
 */
export function historySearchParams(query: HistoryQuery): URLSearchParams {
  const params = new URLSearchParams();
  const keys = [
    "status",
    "platform",
    "by",
    "q",
    "from",
    "to",
    "publication",
    "limit",
    "cursor",
  ] as const;
  for (const key of keys) {
    const value = query[key];
    if (value !== undefined) params.set(key, String(value));
  }
  return params;
}

/**
 * A time as people read it, in this browser's zone, down to the minute.
 * @param iso an ISO-8601 time (or the database's `YYYY-MM-DD HH:MM:SS.mmm` UTC)
 * @returns e.g. `2026-12-01 14:05`, or the input when it does not parse
 */
export function formatWhen(iso: string | null): string {
  if (!iso) return "";
  const normalized = /^\d{4}-\d\d-\d\d \d/.test(iso) ? `${iso.replace(" ", "T")}Z` : iso;
  const ms = Date.parse(normalized);
  if (!Number.isFinite(ms)) return iso;
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * The line that says what was decided, by whom and when.
 * @param item the decided reply
 * @returns e.g. `Approved by bob · 2026-12-01 14:05`
 */
export function decisionLine(item: HistoryItem): string {
  const verb = item.status === "approved"
    ? "Approved"
    : item.status === "rejected"
    ? "Rejected"
    : item.status;
  const by = item.decided_by ? ` by ${item.decided_by}` : "";
  const when = formatWhen(item.decided_at);
  return `${verb}${by}${when ? ` · ${when}` : ""}`;
}

/**
 * A link target for a post, only for http(s) addresses (never `javascript:`).
 * @param url the post's address from the database
 * @returns the address, or null when it must not be a link
 */
export function safeHref(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}
