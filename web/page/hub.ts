/**
 * The page's one seam to the SDK: what the board and the History view need
 * of a `ReviewClient`, so the rest of the page depends on small interfaces,
 * not on the SDK's shape.
 * @module
 */
import { HistoryClient, type ReviewClient } from "../sdk/mod.ts";
import type { BoardClient } from "./card_actions.ts";
import { parseClaim } from "./claims.ts";
import type { HistorySource } from "./history_view.ts";
import type { RecentClient } from "./recent.ts";

/**
 * The board's view of the client: decisions, claims and releases.
 * @param client the connected client
 * @returns the board client
 */
export function boardClient(client: ReviewClient): BoardClient {
  return {
    get state() {
      return client.state;
    },
    approve: (id, text) => client.approve(id, text),
    reject: (id, reason) => client.reject(id, reason),
    async claim(id) {
      const ack = await client.claim(id);
      const claim = parseClaim(ack.claimed_by, ack.claim_until);
      if (!claim) throw new Error("the server's answer to CLAIM names no claim");
      return claim;
    },
    release: (id) => client.release(id),
    releaseAny: (id) => client.release(id),
  };
}

/**
 * The recent decisions' view of the client: undo and retry.
 * @param client the connected client
 * @returns the recent-decisions client
 */
export function recentClient(client: ReviewClient): RecentClient {
  return { undo: (id) => client.undo(id), retry: (id) => client.retry(id) };
}

/**
 * The History view's source: `GET /api/history` on this page's server, with its token.
 * @param origin the page's origin, e.g. `https://hub.example`
 * @param token the operator's token
 * @returns the source
 */
export function historySource(origin: string, token: string): HistorySource {
  const history = new HistoryClient(origin, { token });
  // The page's query is checked by the server: a publication state it does not know is its `bad_frame`.
  return (query) => history.page(query as Parameters<typeof history.page>[0]);
}
