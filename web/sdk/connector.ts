/**
 * The client's connection, one at a time: opens it with the token and the
 * position to resume from, feeds its frames to the pending feed and the
 * requests, watches it (heartbeat, watchdog), and when it ends either
 * schedules the next attempt with backoff or closes the client, as the close
 * policy says. Every state change goes through `StateMachine.transition`.
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
import type { Emitter } from "./emitter.ts";
import { errorFromFrame, ReviewError } from "./errors.ts";
import type { ClientEvents } from "./events.ts";
import { type Connection, detach, HELLO_ID, helloText, parseFrame, trySend } from "./connection.ts";
import type { ClientOptions, TokenSource } from "./options.ts";
import type { Feed, FeedVerdict } from "./pending_feed.ts";
import type { RequestTable, Send } from "./requests.ts";
import { OPEN, resolveWebSocket, type WebSocketConstructor, type WebSocketLike } from "./socket.ts";
import type { ClosedReason, CloseInfo, StateKind, StateMachine } from "./state.ts";
import type { TimerHandle, Timers } from "./timers.ts";

/** The client's parts a `Connector` feeds and reports to. */
export interface ConnectorParts {
  /** The time source (the requests' too, so one fake time drives both in tests). */
  readonly timers: Timers;
  /** The client's state: every change goes through its `transition`. */
  readonly machine: StateMachine;
  /** Where `presence`, an `error` no request awaits, and the end of the events go. */
  readonly emitter: Emitter<ClientEvents>;
  /** The position and the pending list, fed `WELCOME`, `SNAPSHOT` and `EVENT`. */
  readonly feed: Feed;
  /** The requests awaiting their reply: settled by `ACK` and `ERROR`, sent again on each connection. */
  readonly requests: RequestTable;
}

/**
 * Keeps the client connected: one WebSocket at a time, and after each drop a
 * new one, resumed by position, unless the close policy says to stop.
 */
export class Connector {
  readonly #url: string;
  readonly #token: TokenSource;
  readonly #WebSocket: WebSocketConstructor;
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #backoff: BackoffOptions;
  readonly #connectTimeoutMs: number;
  readonly #maxTokenRefusals: number;
  readonly #emitter: Emitter<ClientEvents>;
  readonly #machine: StateMachine;
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
   * Opens nothing yet: `open()` starts.
   * @param url the WebSocket endpoint, e.g. `ws://127.0.0.1:8765/ws`
   * @param options the token, the WebSocket constructor, the backoff and the timeouts
   * @param parts the client's parts it feeds and reports to
   * @throws {TypeError} when there is no global `WebSocket` and none was passed
   */
  constructor(url: string, options: ClientOptions, parts: ConnectorParts) {
    this.#url = url;
    this.#token = options.token;
    this.#WebSocket = resolveWebSocket(options.WebSocket);
    this.#timers = parts.timers;
    this.#random = options.random ?? Math.random;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.#maxTokenRefusals = options.maxTokenRefusals ?? 3;
    this.#emitter = parts.emitter;
    this.#machine = parts.machine;
    this.#feed = parts.feed;
    this.#requests = parts.requests;
  }

  /** The last `WELCOME` received, or null before the first. */
  get welcome(): WelcomeFrame | null {
    return this.#welcome;
  }

  /** The last `PRESENCE` received, or null before the first. */
  get presence(): PresenceFrame | null {
    return this.#presence;
  }

  /**
   * The server's clock: local time corrected by the offset seen in the last `HEARTBEAT`.
   * @returns ms since the epoch
   */
  serverNow(): number {
    return this.#timers.now() + this.#clockOffset;
  }

  get #state(): StateKind {
    return this.#machine.current.kind;
  }

  /**
   * The sender of the current connection, once it is welcomed.
   * @returns the sender, or null while no connection is welcomed
   */
  sender(): Send | null {
    const conn = this.#conn;
    if (!conn?.welcome) return null;
    return (text) => {
      if (conn.ws.readyState !== OPEN) throw new Error("socket not open");
      conn.ws.send(text);
    };
  }

  /** Closes the connection for good, and the client with it (`closed` by the client). */
  close(): void {
    const conn = this.#conn;
    this.#finish({ kind: "client" });
    if (conn) {
      detach(conn, this.#timers);
      try {
        conn.ws.close(1000, "client closed");
      } catch { /* already closing */ }
    }
  }

  async #resolveToken(): Promise<string> {
    return typeof this.#token === "function" ? await this.#token() : this.#token;
  }

  /**
   * Opens a connection (the first, and each one after a backoff): takes a
   * token, then says hello with the position to resume from.
   */
  async open(): Promise<void> {
    const generation = ++this.#generation;
    let token: string;
    try {
      token = await this.#resolveToken();
    } catch (error) {
      if (generation === this.#generation && this.#state !== "closed") {
        this.#schedule({ code: CLIENT_ABANDON_CODE, reason: `token: ${error}` }, "back_off", false);
      }
      return;
    }
    if (generation !== this.#generation || this.#state === "closed") return;
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
    ws.onopen = () => trySend(conn, helloText(token, this.#feed.position));
    ws.onmessage = (ev) => {
      if (this.#conn === conn) this.#onMessage(conn, ev.data, ev.frame);
    };
    ws.onclose = (ev) => {
      if (this.#conn !== conn) return;
      this.#ended(conn, { code: ev.code, reason: ev.reason }, closeAction(ev.code));
    };
    ws.onerror = () => {/* a close follows */};
  }

  /** Restarts the watchdog: without a frame within `ms`, the connection is given up. */
  #arm(conn: Connection, ms: number, why: string): void {
    if (conn.watchdog !== null) this.#timers.clearTimeout(conn.watchdog);
    conn.watchdog = this.#timers.setTimeout(() => this.#abandon(conn, why), ms);
  }

  #onMessage(conn: Connection, data: unknown, parsed?: unknown): void {
    const frame = parseFrame(data, parsed);
    if (frame === undefined) return;
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
      () => trySend(conn, JSON.stringify({ type: "HEARTBEAT" })),
      welcome.heartbeat_interval_ms,
    );
    this.#machine.transition({
      kind: "connected",
      clientId: welcome.client_id,
      user: welcome.user,
      role: welcome.role,
    });
    const send = this.sender();
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

  #ended(conn: Connection, info: CloseInfo, action: CloseAction): void {
    if (this.#conn !== conn) return;
    this.#conn = null;
    detach(conn, this.#timers);
    try {
      // A fixed ASCII reason: a longer or non-ASCII one could pass the 123-byte limit and throw.
      conn.ws.close(CLIENT_ABANDON_CODE, "client moved on");
    } catch { /* already closed */ }
    this.#requests.disconnected();
    if (this.#state === "closed") return;
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
      void this.open();
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
