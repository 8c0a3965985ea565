/**
 * A small client of `GET /api/history` (v1.1): decided responses, newest
 * decision first, page by page. Fetch-based, so it runs in browsers, Deno
 * and Node alike; the token is given as for the connection (a string or a
 * function called for each request).
 * @module
 */
import type { TokenSource } from "./options.ts";
import { errorFromFrame, ReviewError } from "./errors.ts";
import type { PublicationState } from "../../src/protocol/publication_frames.ts";
import type { HistoryItem, HistoryPage } from "../../src/protocol/http_bodies.ts";

/** Filters of a history request; all optional. */
export interface HistoryQuery {
  /** Only approvals or only rejections. */
  readonly status?: "approved" | "rejected";
  /** Only responses to posts on this platform. */
  readonly platform?: string;
  /** The decider, exactly. */
  readonly by?: string;
  /** Case-insensitive text in the reply, the post text or the author. */
  readonly q?: string;
  /** 1–200; the server's default is 50. */
  readonly limit?: number;
  /** `next_cursor` of the previous page. */
  readonly cursor?: string;
  /** (v1.2) Only approvals whose publication is in this state. */
  readonly publication?: PublicationState;
}

/** Options of a `HistoryClient`. */
export interface HistoryOptions {
  /** An operator's or admin's token, or a function giving one. */
  readonly token: TokenSource;
  /** A `fetch`; default: the global one. */
  readonly fetch?: typeof fetch;
}

/**
 * The history endpoint of a server, from its WebSocket or page URL.
 * @param url e.g. `ws://127.0.0.1:8765/ws` or `https://hub.example/`
 * @returns e.g. `http://127.0.0.1:8765/api/history`
 */
export function historyUrl(url: string): string {
  const u = new URL(url);
  u.protocol = u.protocol === "wss:" ? "https:" : u.protocol === "ws:" ? "http:" : u.protocol;
  u.pathname = "/api/history";
  u.search = "";
  u.hash = "";
  return u.toString();
}

/**
 * Reads `GET /api/history`: one page at a time, or every page in turn.
 *
 * @example Every approval by one operator
 * ```ts
 * import { HistoryClient } from "./mod.ts";
 * import { memoryHistoryFetch } from "./_doc_hub.ts";
 *
 * const history = new HistoryClient("https://hub.example/", {
 *   token: () => "<operator JWT>", // called for each request
 *   fetch: memoryHistoryFetch, // omit in an application: the global fetch
 * });
 * const page = await history.page({ status: "approved", by: "alice" });
 * if (page.items[0]?.decided_by !== "alice") throw new Error("not alice's");
 * if (page.next_cursor !== null) console.log("more pages follow");
 * ```
 */
export class HistoryClient {
  readonly #endpoint: string;
  readonly #token: TokenSource;
  readonly #fetch: typeof fetch;

  /**
   * Creates a client of one server's history.
   * @param url the server's WebSocket or page URL (or the endpoint itself)
   * @param options the token and an optional `fetch`
   */
  constructor(url: string, options: HistoryOptions) {
    this.#endpoint = historyUrl(url);
    this.#token = options.token;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /**
   * Fetches one page.
   * @param query filters, limit and cursor
   * @returns the page
   * @throws {ReviewError} with the server's code (`bad_frame` naming the
   *   parameter, `unauthorized`, `forbidden`, `unavailable`), or `closed` when
   *   the request could not be made
   */
  async page(query: HistoryQuery = {}): Promise<HistoryPage> {
    const url = new URL(this.#endpoint);
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== "") url.searchParams.set(k, String(v));
    }
    const token = typeof this.#token === "function" ? await this.#token() : this.#token;
    let res: Response;
    try {
      res = await this.#fetch(url.toString(), { headers: { authorization: `Bearer ${token}` } });
    } catch (e) {
      throw new ReviewError("closed", `history request failed: ${e}`, true);
    }
    const body = await res.json().catch(() => null) as Record<string, unknown> | null;
    if (!res.ok || body === null) {
      if (body?.type === "ERROR") throw errorFromFrame(body);
      throw new ReviewError("internal", `history answered ${res.status}`, res.status >= 500);
    }
    return body as unknown as HistoryPage;
  }

  /**
   * Every item matching the filters, page after page, newest first.
   * @param query filters and page size (no cursor)
   * @returns an async iterator of items
   */
  async *all(query: Omit<HistoryQuery, "cursor"> = {}): AsyncIterableIterator<HistoryItem> {
    let cursor: string | undefined;
    do {
      const page = await this.page({ ...query, ...(cursor ? { cursor } : {}) });
      yield* page.items;
      cursor = page.next_cursor ?? undefined;
    } while (cursor !== undefined);
  }
}
