/**
 * The review client: one connection at a time, resumed by position after
 * every drop, with heartbeat, watchdog, backoff and requests that survive
 * reconnects. Its state changes only through `StateMachine.transition`.
 * @module
 */
import type {
  EventFrame,
  PresenceFrame,
  SnapshotFrame,
  WelcomeFrame,
} from "../../src/protocol/frames.ts";
import { backoffDelay, type BackoffOptions, DEFAULT_BACKOFF } from "./backoff.ts";
import {
  CLIENT_ABANDON_CODE,
  type CloseAction,
  closeAction,
  isRevocation,
  nextAttempt,
} from "./close_policy.ts";
import { Emitter } from "./emitter.ts";
import { errorFromFrame, ReviewError } from "./errors.ts";
import type { ClientEvent, ClientEvents, ClientStats } from "./events.ts";
import type { ClientOptions, TokenSource } from "./options.ts";
import { Feed, type FeedVerdict, type PendingItem } from "./pending_feed.ts";
import { type Ack, type RequestFrame, RequestTable, type Send } from "./requests.ts";
import type { Position } from "./sequencer.ts";
import { OPEN, resolveWebSocket, type WebSocketConstructor, type WebSocketLike } from "./socket.ts";
import {
  type ClosedReason,
  type CloseInfo,
  type ConnectionState,
  type StateKind,
  StateMachine,
} from "./state.ts";
import { realTimers, type TimerHandle, type Timers } from "./timers.ts";
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

const HELLO_ID = "hello";

interface Connection {
  readonly ws: WebSocketLike;
  welcome: WelcomeFrame | null;
  heartbeat: TimerHandle | null;
  watchdog: TimerHandle | null;
}

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
  readonly #url: string;
  readonly #token: TokenSource;
  readonly #WebSocket: WebSocketConstructor;
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #backoff: BackoffOptions;
  readonly #connectTimeoutMs: number;
  readonly #maxTokenRefusals: number;
  readonly #emitter = new Emitter<ClientEvents>();
  readonly #machine = new StateMachine((next) => this.#emitter.emit("state", next));
  readonly #requests: RequestTable;
  readonly #feed: Feed;
  #conn: Connection | null = null;
  #welcome: WelcomeFrame | null = null;
  #attempt = 0;
  #tokenRefusals = 0;
  #retryTimer: TimerHandle | null = null;
  #generation = 0;
  /** Server time minus local time, from the last `HEARTBEAT.ts` (ms). */
  #clockOffset = 0;
  #presence: PresenceFrame | null = null;

  /**
   * Starts connecting at once; prefer `connect()`.
   * @param url the WebSocket endpoint, e.g. `ws://127.0.0.1:8765/ws`
   * @param options the token and optional seams
   */
  constructor(url: string, options: ClientOptions) {
    this.#url = url;
    this.#token = options.token;
    this.#WebSocket = resolveWebSocket(options.WebSocket);
    this.#timers = options.timers ?? realTimers;
    this.#random = options.random ?? Math.random;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.#maxTokenRefusals = options.maxTokenRefusals ?? 3;
    this.#feed = new Feed(this.#emitter, options.resume ?? null);
    this.#requests = new RequestTable(this.#timers, options.requestTimeoutMs ?? 10_000);
    void this.#open();
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
    return this.#welcome;
  }

  /** The last `PRESENCE` received (v1.1), or null before the first. */
  get presence(): PresenceFrame | null {
    return this.#presence;
  }

  /**
   * The server's clock as best known: local time corrected by the offset
   * seen in the last `HEARTBEAT` reply (claims lapse by the server's clock).
   * @returns ms since the epoch
   */
  serverNow(): number {
    return this.#timers.now() + this.#clockOffset;
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
    const conn = this.#conn;
    this.#finish({ kind: "client" });
    if (conn) {
      this.#detach(conn);
      try {
        conn.ws.close(1000, "client closed");
      } catch { /* already closing */ }
    }
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
    return this.#requests.add(frame, this.#sender()) as Promise<A>;
  }

  #sender(): Send | null {
    const conn = this.#conn;
    if (!conn?.welcome) return null;
    return (text) => {
      if (conn.ws.readyState !== OPEN) throw new Error("socket not open");
      conn.ws.send(text);
    };
  }

  async #resolveToken(): Promise<string> {
    return typeof this.#token === "function" ? await this.#token() : this.#token;
  }

  async #open(): Promise<void> {
    const generation = ++this.#generation;
    let token: string;
    try {
      token = await this.#resolveToken();
    } catch (error) {
      if (generation === this.#generation && this.state !== "closed") {
        this.#schedule({ code: CLIENT_ABANDON_CODE, reason: `token: ${error}` }, "back_off", false);
      }
      return;
    }
    if (generation !== this.#generation || this.state === "closed") return;
    let ws: WebSocketLike;
    try {
      ws = new this.#WebSocket(this.#url);
    } catch (error) {
      this.#schedule({ code: 1006, reason: `cannot open: ${error}` }, "back_off", false);
      return;
    }
    const conn: Connection = { ws, welcome: null, heartbeat: null, watchdog: null };
    this.#conn = conn;
    this.#arm(conn, this.#connectTimeoutMs, "no WELCOME in time");
    ws.onopen = () => {
      const position = this.#feed.position;
      const resume = position ? { resume: { epoch: position.epoch, last_seq: position.seq } } : {};
      this.#trySend(conn, JSON.stringify({ type: "CL", id: HELLO_ID, token, ...resume }));
    };
    ws.onmessage = (ev) => {
      if (this.#conn === conn) this.#onMessage(conn, ev.data, ev.frame);
    };
    ws.onclose = (ev) => {
      if (this.#conn !== conn) return;
      this.#ended(conn, { code: ev.code, reason: ev.reason }, closeAction(ev.code));
    };
    ws.onerror = () => {/* a close follows */};
  }

  #trySend(conn: Connection, text: string): void {
    try {
      conn.ws.send(text);
    } catch { /* the close that follows handles it */ }
  }

  /** Restarts the watchdog: without a frame within `ms`, the connection is given up. */
  #arm(conn: Connection, ms: number, why: string): void {
    if (conn.watchdog !== null) this.#timers.clearTimeout(conn.watchdog);
    conn.watchdog = this.#timers.setTimeout(() => this.#abandon(conn, why), ms);
  }

  #onMessage(conn: Connection, data: unknown, parsed?: unknown): void {
    let frame: Record<string, unknown>;
    if (typeof parsed === "object" && parsed !== null) frame = parsed as Record<string, unknown>;
    else if (typeof data !== "string") return;
    else {
      try {
        frame = JSON.parse(data);
      } catch {
        return;
      }
    }
    if (conn.welcome) {
      this.#arm(conn, conn.welcome.heartbeat_timeout_ms, "the server went silent");
    }
    switch (frame.type) {
      case "WELCOME":
        return this.#onWelcome(conn, frame as unknown as WelcomeFrame);
      case "SNAPSHOT":
        if (!conn.welcome) return;
        return this.#obey(conn, this.#feed.snapshot(frame as unknown as SnapshotFrame));
      case "EVENT":
        if (!conn.welcome) return;
        return this.#obey(conn, this.#feed.event(frame as unknown as EventFrame));
      case "ACK":
        this.#requests.settle(frame.id, frame);
        return;
      case "ERROR":
        return this.#onError(conn, frame);
      case "HEARTBEAT":
        // It fed the watchdog above; its `ts` keeps the server's clock (claims lapse by it).
        if (typeof frame.ts === "number") this.#clockOffset = frame.ts - this.#timers.now();
        return;
      case "PRESENCE":
        if (!conn.welcome) return;
        this.#presence = frame as unknown as PresenceFrame;
        return this.#emitter.emit("presence", this.#presence);
      default:
        return; // a frame type from a newer server: ignored, as the contract may grow
    }
  }

  #onWelcome(conn: Connection, welcome: WelcomeFrame): void {
    const verdict = this.#feed.welcome(welcome);
    if (verdict.kind === "abandon") return this.#obey(conn, verdict);
    conn.welcome = welcome;
    this.#welcome = welcome;
    this.#tokenRefusals = 0;
    this.#arm(conn, welcome.heartbeat_timeout_ms, "the server went silent");
    conn.heartbeat = this.#timers.setInterval(
      () => this.#trySend(conn, JSON.stringify({ type: "HEARTBEAT" })),
      welcome.heartbeat_interval_ms,
    );
    this.#machine.transition({
      kind: "connected",
      clientId: welcome.client_id,
      user: welcome.user,
      role: welcome.role,
    });
    const send = this.#sender();
    if (send) this.#requests.flush(send);
    this.#feed.checkSynced();
  }

  #obey(conn: Connection, verdict: FeedVerdict): void {
    switch (verdict.kind) {
      case "ok":
        return;
      case "abandon":
        return this.#abandon(conn, verdict.why);
      default: {
        const unknown: never = verdict;
        return void unknown;
      }
    }
  }

  #onError(conn: Connection, frame: Record<string, unknown>): void {
    if (frame.id === HELLO_ID) {
      const error = errorFromFrame(frame);
      if (error.code === "unauthorized") return; // the 4001 close follows
      return this.#ended(conn, { code: CLIENT_ABANDON_CODE, reason: error.message }, "back_off");
    }
    if (!this.#requests.settle(frame.id, frame)) this.#emitter.emit("error", errorFromFrame(frame));
  }

  /** Gives up on a connection the client no longer trusts, without waiting for its close. */
  #abandon(conn: Connection, why: string): void {
    if (this.#conn !== conn) return;
    this.#ended(conn, { code: CLIENT_ABANDON_CODE, reason: why }, "resume");
  }

  #detach(conn: Connection): void {
    conn.ws.onopen =
      conn.ws.onmessage =
      conn.ws.onclose =
      conn.ws.onerror =
        null;
    if (conn.heartbeat !== null) this.#timers.clearInterval(conn.heartbeat);
    if (conn.watchdog !== null) this.#timers.clearTimeout(conn.watchdog);
    conn.heartbeat = conn.watchdog = null;
  }

  #ended(conn: Connection, info: CloseInfo, action: CloseAction): void {
    if (this.#conn !== conn) return;
    this.#conn = null;
    this.#detach(conn);
    try {
      // A fixed ASCII reason: a longer or non-ASCII one could pass the 123-byte limit and throw.
      conn.ws.close(CLIENT_ABANDON_CODE, "client moved on");
    } catch { /* already closed */ }
    this.#requests.disconnected();
    if (this.state === "closed") return;
    const welcomed = conn.welcome !== null;
    switch (action) {
      case "stop":
        return this.#finish({ kind: "server", code: info.code, reason: info.reason });
      case "fix":
        return this.#finish({ kind: "protocol", code: info.code, reason: info.reason });
      case "refresh_token":
        if (isRevocation(info.code, info.reason)) {
          return this.#finish({ kind: "unauthorized", message: info.reason, revoked: true });
        }
        this.#tokenRefusals++;
        if (typeof this.#token !== "function" || this.#tokenRefusals >= this.#maxTokenRefusals) {
          return this.#finish({ kind: "unauthorized", message: info.reason || "token refused" });
        }
        return this.#schedule(info, action, welcomed);
      case "back_off":
      case "resume":
        return this.#schedule(info, action, welcomed);
      default: {
        const unknown: never = action;
        return void unknown;
      }
    }
  }

  #schedule(info: CloseInfo, action: CloseAction, welcomed: boolean): void {
    const attempt = nextAttempt(this.#attempt, action, welcomed);
    const delay = backoffDelay(attempt, this.#random, this.#backoff);
    this.#attempt = attempt + 1;
    const retry = { kind: "reconnecting", attempt, lastClose: info } as const;
    this.#machine.transition({ ...retry, retryAt: this.#timers.now() + delay });
    this.#retryTimer = this.#timers.setTimeout(() => {
      this.#retryTimer = null;
      if (!this.#machine.transition({ ...retry, retryAt: null })) return;
      void this.#open();
    }, delay);
  }

  #finish(reason: ClosedReason): void {
    if (this.#retryTimer !== null) this.#timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#generation++;
    if (!this.#machine.transition({ kind: "closed", reason })) return;
    this.#requests.failAll(new ReviewError("closed", "the client is closed", false));
    this.#emitter.end();
  }
}
