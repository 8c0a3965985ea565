/**
 * `ReviewService`: what an `SR` (and the announce scanner) runs, bound to its
 * dependencies once, with the SR → EVENT timer told when an `SR` starts.
 * @module
 */
import type { Clock } from "../clock.ts";
import type { Logger } from "../logging/logger.ts";
import type { ResponseId } from "../protocol/types.ts";
import type { PostTextFetcher } from "../review/fetch_post_text.ts";
import { processPendingResponse } from "../review/process_pending_response.ts";
import type { Renderer } from "../review/render.ts";
import type { ResponseStore } from "../store/response_store.ts";
import type { AppendResult } from "../store/rows.ts";

/** Told when an `SR` starts being handled (the SR → EVENT latency timer). */
export interface SrStartObserver {
  /**
   * An `SR` for a response starts now.
   * @param responseId the response
   */
  begin(responseId: number): void;
}

/** What `ReviewService` needs. */
export interface ReviewServiceDeps {
  /** The responses and the log. */
  readonly store: ResponseStore;
  /** Reads a post's text from its network. */
  readonly fetchPostText: PostTextFetcher;
  /** Renders the card. */
  readonly renderer: Renderer;
  /** Where failures are reported. */
  readonly logger: Logger;
  /** Told of each `SR` (not of the scanner's announcements). */
  readonly observer: SrStartObserver;
  /** The most one announcement's database waits take in all (`DB_TIMEOUT_MS`). */
  readonly dbTimeoutMs: number;
  /** Time. */
  readonly clock: Clock;
}

/** Announces pending responses to operators. */
export class ReviewService {
  readonly #d: ReviewServiceDeps;

  /**
   * A service over the store, the fetcher and the renderer.
   * @param deps its dependencies
   */
  constructor(deps: ReviewServiceDeps) {
    this.#d = deps;
  }

  /**
   * What an `SR` does: times it, then `processPendingResponse` (a bound
   * method: handed on as `CommandDeps.processPending`).
   * @param id the response
   * @returns what was appended, if anything
   */
  readonly process = (id: ResponseId): Promise<AppendResult> => {
    this.#d.observer.begin(id);
    return this.announce(id);
  };

  /**
   * The same work untimed, for rows no `SR` named (the announce scanner).
   * @param id the response
   * @returns what was appended, if anything
   */
  readonly announce = (id: ResponseId): Promise<AppendResult> => {
    const { store, fetchPostText, renderer, logger, dbTimeoutMs, clock } = this.#d;
    return processPendingResponse(id, {
      store,
      fetchPostText,
      renderer,
      logger,
      dbBudgetMs: dbTimeoutMs,
      clock,
    });
  };
}
