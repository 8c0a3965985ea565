/**
 * `processPendingResponse`: what `SR` does (PROTOCOL.md §3.1). It reads the
 * row with its announcement (one read), fetches the post's text when the row
 * has none, and appends the `pending` event with the card rendered from the
 * locked row, storing the fetched text in the same transaction. A failed fetch
 * never loses the response: the card says the text is unavailable and the
 * event is appended all the same.
 * @module
 */
import type { Card } from "../protocol/frames.ts";
import type { Platform, ResponseId } from "../protocol/types.ts";
import type { Logger } from "../logging/logger.ts";
import { type Clock, systemClock } from "../clock.ts";
import { WaitBudget } from "../async/wait_budget.ts";
import type { PendingBody, ResponseStore } from "../store/response_store.ts";
import type { AppendResult, ResponseRow } from "../store/rows.ts";
import { StoreUnavailableError } from "../store/store.ts";
import type { FetchResult } from "./fetch_result.ts";
import type { Renderer } from "./render.ts";

/** What processing a pending response needs. */
export interface ProcessPendingDeps {
  /** Where the row is read and the event appended. */
  readonly store: ResponseStore;
  /** Fetches a post's text; never throws for remote failures. */
  readonly fetchPostText: (platform: string, postUrl: string) => Promise<FetchResult>;
  /** Renders the card from the locked row. */
  readonly renderer: Renderer;
  /** Where an unavailable post text is reported (reason and detail, never a token). */
  readonly logger?: Logger;
  /**
   * The most all of one announcement's database waits may take together
   * (`DB_TIMEOUT_MS`); each store call is bounded by it too. Default: unbounded
   * here (the store's own per-call bound only).
   */
  readonly dbBudgetMs?: number;
  /** Time, for the budget (the system's by default). */
  readonly clock?: Clock;
}

/** The budget of one announcement's database waits. */
function dbBudget(deps: ProcessPendingDeps): WaitBudget {
  const ms = deps.dbBudgetMs ?? Infinity;
  return new WaitBudget(
    ms,
    (what) =>
      new StoreUnavailableError(
        `the database took over ${ms} ms in all for this announcement (at ${what}; DB_TIMEOUT_MS)`,
      ),
    deps.clock ?? systemClock,
  );
}

/** The stored post text, or `null` when the row has none worth showing. */
function storedText(row: ResponseRow): string | null {
  return row.post_text !== null && row.post_text.trim() !== "" ? row.post_text : null;
}

/**
 * `platform` as the card carries it. The database may hold a value other than
 * vk/telegram; it is passed on as stored rather than invented.
 */
function cardPlatform(row: ResponseRow): Platform {
  return row.platform as Platform;
}

/**
 * Renders a `SNAPSHOT` item from the row as it stands (no fetching).
 * @param row a pending response
 * @param renderer the card renderer
 * @returns the card
 */
export function renderSnapshotItem(row: ResponseRow, renderer: Renderer): Card {
  const postText = storedText(row);
  return {
    response_id: row.id,
    platform: cardPlatform(row),
    post_url: row.post_url,
    html: renderer.renderCard(row, { postText, unavailable: postText === null }),
  };
}

/** Fetches the post's text; returns it, or `null` when it could not be had (logged). */
async function fetchText(row: ResponseRow, deps: ProcessPendingDeps): Promise<string | null> {
  const log = deps.logger;
  let result: FetchResult;
  try {
    result = await deps.fetchPostText(row.platform, row.post_url);
  } catch (error) {
    // A fetcher is not supposed to throw; if one does, the response still is not lost.
    log?.error("post text fetcher threw", { response_id: row.id, error });
    return null;
  }
  if (!result.ok) {
    // Without a VK token this is the configured state, not news on every SR.
    const level = result.reason === "no_token" ? "debug" : "warn";
    log?.[level]("post text unavailable", {
      response_id: row.id,
      platform: row.platform,
      reason: result.reason,
      detail: result.detail,
    });
    return null;
  }
  return result.text;
}

/** A fetched text worth storing (not blank), or `undefined`. */
function storable(text: string | null): string | undefined {
  return text !== null && text.trim() !== "" ? text : undefined;
}

/** Fetches and stores the post's text, for the next `SNAPSHOT` of an announced response. */
async function fetchAndStore(
  row: ResponseRow,
  deps: ProcessPendingDeps,
  budget: WaitBudget,
): Promise<void> {
  const text = storable(await fetchText(row, deps));
  if (text === undefined) return;
  try {
    await budget.spend("setPostText", () => deps.store.setPostText(row.id, text));
  } catch (e) {
    // The next SR tries to store it again.
    deps.logger?.warn("storing post text failed", { response_id: row.id, error: e });
  }
}

/**
 * Announces a pending response: appends its `pending` event once.
 * @param responseId the response (`SR.response_id`)
 * @param deps the store, the fetcher and the renderer
 * @returns `appended` with the event; `duplicate` with the original `seq` when
 * already announced (then a missing post text is fetched again and stored, so
 * the next `SNAPSHOT` shows it, but no second event is appended);
 * `not_found`; `not_pending` with the row's status and decider
 * @throws {StoreUnavailableError} when the database does not answer, or its
 * answers together take over `deps.dbBudgetMs`
 */
export async function processPendingResponse(
  responseId: ResponseId,
  deps: ProcessPendingDeps,
): Promise<AppendResult> {
  const budget = dbBudget(deps);
  const state = await budget.spend(
    "announcementState",
    () => deps.store.announcementState(responseId),
  );
  if (state === null) return { kind: "not_found" };
  const { row, seq } = state;
  if (row.status !== "pending") {
    return { kind: "not_pending", status: row.status, decidedBy: row.decided_by };
  }
  if (seq !== null) {
    if (storedText(row) === null) await fetchAndStore(row, deps, budget);
    return { kind: "duplicate", seq };
  }
  const fetchedText = storedText(row) === null ? await fetchText(row, deps) : null;
  return budget.spend("announce", () =>
    deps.store.announce(
      responseId,
      (locked): PendingBody => {
        // The locked row wins: another process may have stored the text meanwhile.
        const postText = storedText(locked) ?? fetchedText;
        return {
          event: "pending",
          response_id: locked.id,
          platform: cardPlatform(locked),
          post_url: locked.post_url,
          html: deps.renderer.renderCard(locked, { postText, unavailable: postText === null }),
        };
      },
      // Stored in the announcing transaction: one commit, not two.
      storable(fetchedText),
    ));
}
