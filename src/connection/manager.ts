/**
 * `WebSocketManager`: the registry of connections and the fan-out point.
 * Every frame sent to a client goes through `send`, which enforces the send
 * buffer limit (Deno has no drain event, so `bufferedAmount` is checked on
 * every send); `deliverEvent` is the event feed's sink.
 * @module
 */
import { transition } from "./client_state.ts";
import { closeCodeLabel } from "./close_label.ts";
import { clearQueue, queueLive } from "./live_queue.ts";
import { placeEvent } from "../log/merge.ts";
import type { Clock } from "../clock.ts";
import type { Logger } from "../logging/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { CLOSE, type CloseCode } from "../protocol/codes.ts";
import { encodeFrame } from "../protocol/encode.ts";
import type { ServerFrame } from "../protocol/frames.ts";
import type { StatsClient } from "../protocol/http_bodies.ts";
import type { Role, Seq } from "../protocol/types.ts";
import { OPEN, type WebSocketClient } from "./client.ts";
import { HeartbeatSupervisor } from "./heartbeat.ts";
import type { SessionSweep } from "../transport/sweeper.ts";

/** Options of a `WebSocketManager`. */
export interface ManagerOptions {
  /** Time, for the summaries and deadlines. */
  readonly clock: Clock;
  /** Where closes and slow consumers are reported. */
  readonly logger: Logger;
  /** Connection gauges and close counters; none when absent. */
  readonly metrics?: Metrics;
  /** Unsent bytes past which a client is closed 4009. */
  readonly maxBufferedBytes: number;
  /** How long a connection may stay without `CL` (ms). */
  readonly helloTimeoutMs: number;
  /** How long a welcomed client may stay silent (ms). */
  readonly heartbeatTimeoutMs: number;
  /** Called when a live client falls behind the feed (a gap to fill from the log). */
  readonly onGap?: (client: WebSocketClient) => void;
}

/** An alive client as `/stats` lists it (the wire type, `StatsClient`). */
export type ClientSummary = StatsClient;

/**
 * A change in a connection's life that listeners hear of: it was
 * authenticated (has a role and user now), or it was removed (after its
 * socket closed; only connections that had been authenticated are reported).
 */
export interface ClientChange {
  /** What happened to the connection. */
  readonly kind: "authenticated" | "removed";
  /** The connection's record. */
  readonly client: WebSocketClient;
}

/** Hears of connections' changes (e.g. presence). Must not throw. */
export type ClientListener = (change: ClientChange) => void;

/** Registry and fan-out of this process's connections. */
export class WebSocketManager {
  /** Every connection of this process by client id (the supervisor walks it). */
  readonly clients: Map<string, WebSocketClient> = new Map();
  readonly #o: ManagerOptions;
  #supervisor: HeartbeatSupervisor | null = null;
  /** Connections by role, kept as they change (walking every client per change is O(n²) in a storm). */
  readonly #roles = { operator: 0, admin: 0, module: 0, unauthenticated: 0 };
  readonly #listeners = new Set<ClientListener>();

  /**

   * Creates an empty manager with its heartbeat supervisor.

   * @param options clock, logger, metrics and limits

   */
  constructor(options: ManagerOptions) {
    this.#o = options;
  }

  /**
   * Adds a listener of authentications and removals.
   * @param listener called synchronously after each change
   * @returns a function that removes it
   */
  addListener(listener: ClientListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(kind: ClientChange["kind"], client: WebSocketClient): void {
    for (const listener of this.#listeners) {
      try {
        listener({ kind, client });
      } catch (e) {
        this.#o.logger.warn("client listener failed", { error: e });
      }
    }
  }

  /** Registers a new connection. */
  addClient(client: WebSocketClient): void {
    this.clients.set(client.id, client);
    this.#supervisor?.watch(client);
    this.#o.metrics?.increment("ws_connections_opened_total");
    this.#count(client.role, +1);
  }

  /**
   * Forgets a connection (after its socket closed).
   * @param id the client id
   * @param code the close code, for metrics
   */
  removeClient(id: string, code?: number): void {
    const client = this.clients.get(id);
    if (!client) return;
    // The transport closes 4009 itself when the connection's account is full.
    if (client.state !== "closed" && code === CLOSE.slowConsumer) {
      this.#o.metrics?.increment("ws_slow_consumer_closes_total");
    }
    transition(client, "closed");
    clearQueue(client);
    this.clients.delete(id);
    this.#o.metrics?.increment("ws_connections_closed_total", { code: closeCodeLabel(code) });
    this.#count(client.role, -1);
    if (client.role !== null) this.#notify("removed", client);
  }

  /** Notes that a client sent a frame now. */
  updateHeartbeat(id: string): void {
    const client = this.clients.get(id);
    if (client) client.lastHeartbeat = this.#o.clock.now();
  }

  /**
   * Gives a registered client its role (after `CL`), keeping the gauges.
   * @param client the client, still without a role
   * @param role its role from the token
   * @param user its user from the token
   * @param tokenExpiresAt when its token expires (ms since the epoch; 0: never checked)
   * @param tokenIssuedAt its token's `iat` (seconds), null without one
   */
  authenticate(
    client: WebSocketClient,
    role: Role,
    user: string,
    tokenExpiresAt = 0,
    tokenIssuedAt: number | null = null,
  ): void {
    const registered = this.clients.get(client.id) === client;
    if (registered) this.#count(client.role, -1);
    client.role = role;
    client.user = user;
    client.tokenExpiresAt = tokenExpiresAt;
    client.tokenIssuedAt = tokenIssuedAt;
    if (registered) this.#count(role, +1);
    client.socket.welcomed?.();
    if (registered) this.#notify("authenticated", client);
  }

  /** Authenticated clients whose socket is open. */
  getAliveClients(): WebSocketClient[] {
    const out: WebSocketClient[] = [];
    for (const c of this.clients.values()) {
      if (c.role !== null && c.state !== "closed" && c.socket.readyState === OPEN) out.push(c);
    }
    return out;
  }

  /** Summaries of the alive clients for `/stats`. */
  describeAliveClients(): ClientSummary[] {
    return this.getAliveClients().map(summary);
  }

  /**
   * Summaries of the longest-connected alive clients (the map keeps clients
   * in the order they connected), and how many are alive in all.
   * @param limit the most to summarise
   * @returns the summaries, oldest first, and the count
   */
  describeOldestAliveClients(limit: number): { listed: ClientSummary[]; total: number } {
    const listed: ClientSummary[] = [];
    let total = 0;
    for (const c of this.clients.values()) {
      if (c.role === null || c.state === "closed" || c.socket.readyState !== OPEN) continue;
      total++;
      if (listed.length < limit) listed.push(summary(c));
    }
    return { listed, total };
  }

  /**
   * Sends one frame to every alive client, encoding it once.
   * @param frame a frame or its encoded text
   * @param type the frame type, for metrics
   * @returns how many clients it was sent to
   */
  sendToAll(frame: ServerFrame | string, type = "other"): number {
    const text = typeof frame === "string" ? frame : encodeFrame(frame);
    let sent = 0;
    for (const c of this.getAliveClients()) if (this.#sendRaw(c, text)) sent++;
    this.#o.metrics?.increment("ws_frames_out_total", { type }, sent);
    return sent;
  }

  /**
   * Sends one frame to one client.
   * @param client the client
   * @param frame a frame or its encoded text
   * @param type the frame type, for metrics
   * @returns false when the client is gone or was closed for a full buffer
   */
  send(client: WebSocketClient, frame: ServerFrame | string, type: string): boolean {
    const text = typeof frame === "string" ? frame : encodeFrame(frame);
    const ok = this.#sendRaw(client, text);
    if (ok) this.#o.metrics?.increment("ws_frames_out_total", { type });
    return ok;
  }

  /**
   * The event feed's sink: sends an event to every live client that is at
   * `seq - 1`, queues it for clients being synced.
   * @param seq the event's seq
   * @param frame the encoded `EVENT` frame (the same string for every client)
   */
  deliverEvent(seq: Seq, frame: string): void {
    let sent = 0;
    for (const c of this.clients.values()) {
      if (c.state === "syncing") {
        const last = c.queue.at(-1);
        if (last && seq <= last.seq) continue;
        // Held events count toward the send buffer: a client whose replay or
        // SNAPSHOT is stalled (it does not read) is a slow consumer as well.
        if (
          c.socket.bufferedAmount + c.queuedBytes > this.#o.maxBufferedBytes ||
          !queueLive(c, seq, frame)
        ) this.#slow(c);
      } else if (c.state === "live") {
        const place = placeEvent(c.lastSeqSent, seq);
        if (place === "skip") continue;
        if (place === "gap") {
          // The client is behind (it never should be while live): hand it to
          // the replay path, which reads the gap from the log.
          transition(c, "syncing");
          if (!queueLive(c, seq, frame)) {
            this.#slow(c);
            continue;
          }
          this.#o.onGap?.(c);
          continue;
        }
        if (this.#sendRaw(c, frame)) {
          c.lastSeqSent = seq;
          sent++;
        }
      }
    }
    this.#o.metrics?.increment("ws_frames_out_total", { type: "EVENT" }, sent);
  }

  /**
   * Closes a connection with a protocol close code.
   * @param client the client
   * @param code the close code
   * @param reason a short reason (≤ 123 bytes)
   */
  close(client: WebSocketClient, code: CloseCode, reason: string): void {
    if (client.state === "closed") return;
    transition(client, "closed");
    clearQueue(client);
    try {
      client.socket.close(code, reason.slice(0, 120));
    } catch (e) {
      this.#o.logger.debug("close failed", { client: client.id, error: e });
    }
  }

  /** Closes every connection (e.g. 1012 on shutdown). */
  closeAll(code: CloseCode, reason: string): void {
    for (const c of this.clients.values()) this.close(c, code, reason);
  }

  /**
   * Starts the heartbeat supervisor over this manager's clients: their
   * deadlines go in the rows of their connections in `sweep`.
   * @param sweep the HTTP server's sweep (absent: the supervisor sweeps on its own)
   * @returns the supervisor (stop it on shutdown)
   */
  startHeartbeat(sweep?: SessionSweep): HeartbeatSupervisor {
    this.#supervisor ??= new HeartbeatSupervisor(this.clients, {
      clock: this.#o.clock,
      ...(sweep === undefined ? {} : { sweep }),
      helloTimeoutMs: this.#o.helloTimeoutMs,
      heartbeatTimeoutMs: this.#o.heartbeatTimeoutMs,
      onTimeout: (client, kind) => {
        if (kind === "hello") {
          this.#o.metrics?.increment("ws_hello_timeouts_total");
          this.close(client, CLOSE.helloTimeout, "no CL in time");
        } else if (kind === "token") {
          this.#o.metrics?.increment("ws_token_expiries_total");
          this.close(client, CLOSE.badToken, "token expired");
        } else {
          this.#o.metrics?.increment("ws_heartbeat_timeouts_total");
          this.close(client, CLOSE.heartbeatTimeout, "heartbeat timeout");
        }
      },
    });
    this.#supervisor.start();
    return this.#supervisor;
  }

  /** Stops the heartbeat supervisor. */
  stopHeartbeat(): void {
    this.#supervisor?.stop();
  }

  #sendRaw(client: WebSocketClient, text: string): boolean {
    const socket = client.socket;
    if (client.state === "closed" || socket.readyState !== OPEN) return false;
    if (socket.bufferedAmount > this.#o.maxBufferedBytes) {
      this.#slow(client);
      return false;
    }
    try {
      socket.send(text);
      return true;
    } catch (e) {
      this.#o.logger.debug("send failed", { client: client.id, error: e });
      return false;
    }
  }

  /** Closes a client that does not read what it is sent (its buffer or its account is full). */
  #slow(client: WebSocketClient): void {
    this.#o.metrics?.increment("ws_slow_consumer_closes_total");
    this.#o.logger.info("closing slow consumer", {
      client: client.id,
      buffered: client.socket.bufferedAmount,
      held: client.socket.account?.held,
    });
    this.close(client, CLOSE.slowConsumer, "too slow to read");
  }

  /**
   * Sends one large text message (a `SNAPSHOT`) under flow control: as
   * fragments produced while the client reads, when the socket can.
   * @param client the client
   * @param message the message, as text and as its UTF-8 bytes (shared, never modified)
   * @param type the frame type, for metrics
   * @returns false when the client is gone or was closed before it was all queued
   */
  async sendStreamed(
    client: WebSocketClient,
    message: { readonly frame: string; readonly bytes: Uint8Array },
    type: string,
  ): Promise<boolean> {
    const socket = client.socket;
    if (!socket.sendStreamed) return this.send(client, message.frame, type);
    if (client.state === "closed" || socket.readyState !== OPEN) return false;
    const ok = await socket.sendStreamed(message.bytes);
    if (ok) this.#o.metrics?.increment("ws_frames_out_total", { type });
    return ok && (client.state as string) !== "closed";
  }

  #count(role: Role | null, delta: number): void {
    const key = role ?? "unauthenticated";
    this.#roles[key] += delta;
    this.#o.metrics?.set("ws_connections", this.#roles[key], { role: key });
  }
}

function summary(c: WebSocketClient): ClientSummary {
  return {
    id: c.id,
    role: c.role,
    user: c.user,
    remote_address: c.remoteAddress,
    connected_at: new Date(c.connectedAt).toISOString(),
    last_heartbeat: new Date(c.lastHeartbeat).toISOString(),
    last_seq_sent: c.lastSeqSent,
  };
}
