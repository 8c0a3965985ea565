/**
 * The review client as its users see it: the state, the pending list and
 * who is connected, the events, and one method a command, each a request
 * that survives reconnects (requests.ts). The connection itself (one at a
 * time, resumed by position after every drop, with heartbeat, watchdog and
 * backoff) is the `Connector`'s (connector.ts). Its state changes only
 * through `StateMachine.transition`.
 * @module
 */
import type { PresenceFrame, WelcomeFrame } from "../../src/protocol/frames.ts";
import { Connector } from "./connector.ts";
import { Emitter } from "./emitter.ts";
import { ReviewError } from "./errors.ts";
import type { ClientEvent, ClientEvents, ClientStats } from "./events.ts";
import type { ClientOptions } from "./options.ts";
import { Feed, type PendingItem } from "./pending_feed.ts";
import { type Ack, type RequestFrame, RequestTable } from "./requests.ts";
import type { Position } from "./sequencer.ts";
import { type ConnectionState, type StateKind, StateMachine } from "./state.ts";
import { realTimers } from "./timers.ts";
import type {
  AckResult,
  ClaimAck,
  DecisionAck,
  EventAck,
  ReleaseAck,
  SrAck,
  StaleAck,
  TakeAck,
} from "../../src/protocol/acks.ts";
import type { PublicationJob } from "../../src/protocol/publication_frames.ts";
import type { Platform } from "../../src/protocol/types.ts";

/**
 * A connection to the review hub that never loses an event: it reconnects with
 * backoff, resumes from the last `seq` it applied, and keeps the pending list
 * (`pending`) and who is connected (`presence`) up to date.
 *
 * @example Claim a response and see the claim come back as an event
 * ```ts
 * import { ReviewClient } from "./mod.ts";
 * import { MemoryHubSocket } from "./_doc_hub.ts";
 *
 * const client = new ReviewClient("ws://127.0.0.1:8765/ws", {
 *   token: "<operator JWT>",
 *   WebSocket: MemoryHubSocket, // omit in an application: the global WebSocket
 * });
 * const claims: string[] = [];
 * client.on("claimed", (e) => claims.push(`${e.response_id} by ${e.by} until ${e.until}`));
 * const pending = await client.once("pending");
 * // Listen before asking: the event may arrive right behind the ACK.
 * const claimed = client.once("claimed", (e) => e.response_id === pending.response_id);
 * const ack = await client.claim(pending.response_id);
 * const event = await claimed;
 * client.close();
 * if (event.seq !== ack.seq || claims.length !== 1) throw new Error("the claim did not come back");
 * ```
 */
export class ReviewClient {
  readonly #emitter = new Emitter<ClientEvents>();
  readonly #machine = new StateMachine((next) => this.#emitter.emit("state", next));
  readonly #requests: RequestTable;
  readonly #feed: Feed;
  readonly #connector: Connector;

  /**
   * Starts connecting at once; prefer `connect()`.
   * @param url the WebSocket endpoint, e.g. `ws://127.0.0.1:8765/ws`
   * @param options the token and optional seams
   */
  constructor(url: string, options: ClientOptions) {
    const timers = options.timers ?? realTimers;
    this.#feed = new Feed(this.#emitter, options.resume ?? null);
    this.#requests = new RequestTable(timers, options.requestTimeoutMs ?? 10_000);
    this.#connector = new Connector(url, options, {
      timers,
      machine: this.#machine,
      emitter: this.#emitter,
      feed: this.#feed,
      requests: this.#requests,
    });
    void this.#connector.open();
  }

  /** The state's name: `connecting`, `connected`, `reconnecting` or `closed`. */
  get state(): StateKind {
    return this.#machine.current.kind;
  }

  /** The state with its details (next try, last close, why closed). */
  get status(): ConnectionState {
    return this.#machine.current;
  }

  /** The last contiguous position applied, or null before the first snapshot. */
  get position(): Position | null {
    return this.#feed.position;
  }

  /**
   * The pending cards as the client knows them, by response id, oldest
   * first, each with `claimed_by`/`claim_until` (v1.1; `null` when nobody
   * holds it). A claim lapses at `claim_until` with no event: judge it with
   * `isClaimLive(item, client.serverNow())`.
   */
  get pending(): ReadonlyMap<number, PendingItem> {
    return this.#feed.cards;
  }

  /**
   * The last `WELCOME` received, or null before the first: what the server
   * said of itself (v1.2: `limits`, `undo_window_ms`, `claim_lease_ms`, and
   * the additions a newer server sends, which this SDK passes on as they are).
   */
  get welcome(): WelcomeFrame | null {
    return this.#connector.welcome;
  }

  /** The last `PRESENCE` received (v1.1), or null before the first. */
  get presence(): PresenceFrame | null {
    return this.#connector.presence;
  }

  /**
   * The server's clock as best known: local time corrected by the offset
   * seen in the last `HEARTBEAT` reply (claims lapse by the server's clock).
   * @returns ms since the epoch
   */
  serverNow(): number {
    return this.#connector.serverNow();
  }

  /** Counters of connections, resumes, duplicates and gaps. */
  get stats(): Readonly<ClientStats> {
    return this.#feed.stats;
  }

  /**
   * Calls `fn` for each event of a kind.
   * @param kind the event's name
   * @param fn the callback
   * @returns a function that removes it
   */
  on<K extends keyof ClientEvents>(kind: K, fn: (data: ClientEvents[K]) => void): () => void {
    return this.#emitter.on(kind, fn);
  }

  /**
   * Resolves with the next event of a kind that satisfies `predicate`.
   * @param kind the event's name
   * @param predicate optional filter
   * @returns the event's data
   */
  once<K extends keyof ClientEvents>(
    kind: K,
    predicate?: (data: ClientEvents[K]) => boolean,
  ): Promise<ClientEvents[K]> {
    return this.#emitter.once(kind, predicate);
  }

  /**
   * Every event from now on, for `for await`; ends when the client closes.
   * @returns the iterator
   */
  events(): AsyncIterableIterator<ClientEvent> {
    return this.#emitter.iterate();
  }

  /**
   * Announces a pending response (`SR`; role `module`).
   * @param responseId `responses.id`
   * @returns the `ACK` fields: `seq`, and `duplicate` if it was already announced
   * @throws {ReviewError} with the server's code (e.g. `not_pending`), `timeout` or `closed`
   */
  submit(responseId: number): Promise<AckResult<SrAck>> {
    return this.#request<AckResult<SrAck>>({ type: "SR", response_id: responseId });
  }

  /**
   * Approves a response (`APPROVED`; role `operator`).
   * @param responseId `responses.id`
   * @param text the reply as edited; omitted: the proposed reply
   * @returns the `ACK` fields
   * @throws {ReviewError} e.g. `not_pending` with `fields.decided_by`
   */
  approve(responseId: number, text?: string): Promise<AckResult<DecisionAck>> {
    return this.#request<AckResult<DecisionAck>>({
      type: "APPROVED",
      response_id: responseId,
      ...(text === undefined ? {} : { text }),
    });
  }

  /**
   * Rejects a response (`REJECTED`; role `operator`).
   * @param responseId `responses.id`
   * @param reason why; optional
   * @returns the `ACK` fields
   * @throws {ReviewError} e.g. `not_pending`
   */
  reject(responseId: number, reason?: string): Promise<AckResult<DecisionAck>> {
    return this.#request<AckResult<DecisionAck>>({
      type: "REJECTED",
      response_id: responseId,
      ...(reason === undefined ? {} : { reason }),
    });
  }

  /**
   * Claims a pending response for the server's `CLAIM_LEASE_MS`, or renews
   * the caller's own claim (`CLAIM`, v1.1; roles `operator`, `admin`).
   * Claims outlive the connection: call again before `claim_until` to keep it.
   * @param responseId `responses.id`
   * @returns the `ACK` fields: `seq`, `claimed_by`, `claim_until` (ISO-8601 UTC)
   * @throws {ReviewError} `claimed` (another user holds it: `fields.claimed_by`,
   *   `fields.claim_until`), `not_pending` (`fields.status`, `fields.decided_by`),
   *   `not_found`, `forbidden`, `unavailable`, `timeout`, `closed`
   */
  claim(responseId: number): Promise<AckResult<ClaimAck>> {
    return this.#request<AckResult<ClaimAck>>({ type: "CLAIM", response_id: responseId });
  }

  /**
   * Ends the caller's claim (`RELEASE`, v1.1); an admin may end anyone's.
   * @param responseId `responses.id`
   * @returns the `ACK` fields: `seq` of the `released` event, or
   *   `duplicate: true` (and no `seq`) when the caller held no live claim
   * @throws {ReviewError} `claimed` (another operator's live claim), `not_found`,
   *   `forbidden`, `unavailable`, `timeout`, `closed`
   */
  release(responseId: number): Promise<AckResult<ReleaseAck>> {
    return this.#request<AckResult<ReleaseAck>>({ type: "RELEASE", response_id: responseId });
  }

  /**
   * (v1.2) Undoes the caller's decision within its window (`UNDO`; an admin:
   * anyone's). The response is pending again and a `reopened` event follows.
   * @param responseId `responses.id`
   * @returns the `ACK` fields: `seq` of the `reopened` event
   * @throws {TooLateError} after the window; {BadStateError} (`state: "pending"`)
   *   for a response not decided; {ReviewError} `forbidden` for another's decision
   */
  undo(responseId: number): Promise<AckResult<EventAck>> {
    return this.#request<AckResult<EventAck>>({ type: "UNDO", response_id: responseId });
  }

  /**
   * (v1.2, admin) Puts a failed publication back in the queue, due now.
   * @param responseId `responses.id`
   * @returns the `ACK` fields: `seq` of the `queued` event
   * @throws {BadStateError} when the publication is not `failed`
   */
  retry(responseId: number): Promise<AckResult<EventAck>> {
    return this.#request<AckResult<EventAck>>({ type: "RETRY", response_id: responseId });
  }

  /**
   * (v1.2, module) Takes up to `max` due publication jobs under a lease
   * (`TAKE`). Prefer `Publisher`, which also reports and takes the next.
   * @param options `platforms` to take from, `max` 1–20 (default 1)
   * @returns the jobs, oldest due first (possibly none)
   * @throws {ReviewError} `unavailable` when the connection dropped before the reply
   */
  async take(
    options: { readonly platforms?: readonly Platform[]; readonly max?: number } = {},
  ): Promise<PublicationJob[]> {
    const ack = await this.#request<AckResult<TakeAck>>({
      type: "TAKE",
      ...(options.platforms === undefined ? {} : { platforms: options.platforms }),
      ...(options.max === undefined ? {} : { max: options.max }),
    });
    return (ack.jobs ?? []) as PublicationJob[];
  }

  /**
   * (v1.2, module) Reports that an attempt published the reply (`PUBLISHED`).
   * @param responseId `responses.id`
   * @param attempt the job's `attempt`
   * @param where `platformRef` (≤ 128) and `url` (https, on the platform's host)
   * @returns the `ACK` fields: `seq`, `duplicate` when it was already published
   * @throws {BadStateError} when the response is not in publication
   */
  published(
    responseId: number,
    attempt: number,
    where: { readonly platformRef?: string; readonly url?: string } = {},
  ): Promise<AckResult<EventAck>> {
    return this.#request<AckResult<EventAck>>({
      type: "PUBLISHED",
      response_id: responseId,
      attempt,
      ...(where.platformRef === undefined ? {} : { platform_ref: where.platformRef }),
      ...(where.url === undefined ? {} : { url: where.url }),
    });
  }

  /**
   * (v1.2, module) Reports that an attempt failed (`PUBLISH_FAILED`).
   * @param responseId `responses.id`
   * @param attempt the job's `attempt`
   * @param reason why (≤ 1024 characters)
   * @param options `retryable` (default true), `retryAfterMs` (the platform's wait)
   * @returns the `ACK` fields: `seq`, or `stale: true` for an earlier attempt
   * @throws {BadStateError} when already published or failed
   */
  publishFailed(
    responseId: number,
    attempt: number,
    reason: string,
    options: { readonly retryable?: boolean; readonly retryAfterMs?: number } = {},
  ): Promise<AckResult<EventAck> | AckResult<StaleAck>> {
    return this.#request<AckResult<EventAck> | AckResult<StaleAck>>({
      type: "PUBLISH_FAILED",
      response_id: responseId,
      attempt,
      reason,
      ...(options.retryable === undefined ? {} : { retryable: options.retryable }),
      ...(options.retryAfterMs === undefined ? {} : { retry_after_ms: options.retryAfterMs }),
    });
  }

  /** Closes the connection for good; pending requests reject with `closed`. */
  close(): void {
    this.#connector.close();
  }

  #request<A extends Ack = Ack>(frame: RequestFrame): Promise<A> {
    if (
      "response_id" in frame && (!Number.isSafeInteger(frame.response_id) || frame.response_id <= 0)
    ) {
      return Promise.reject(new TypeError("responseId must be a positive integer"));
    }
    if (this.state === "closed") {
      return Promise.reject(new ReviewError("closed", "the client is closed", false));
    }
    // The server answers each command with its ACK (`src/protocol/acks.ts`).
    return this.#requests.add(frame, this.#connector.sender()) as Promise<A>;
  }
}
