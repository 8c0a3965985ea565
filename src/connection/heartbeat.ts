/**
 * `HeartbeatSupervisor`: the session's deadlines of every client. A client
 * that has not sent `CL` within the hello timeout, or any frame within the
 * heartbeat timeout, is reported to `onTimeout`, and so is one whose token
 * has expired (4001). Protocol-level pongs are not frames and do not count.
 *
 * It keeps no timer and walks no list of its own: each client's deadlines
 * go in the row of its connection in the transport's one sweep
 * (`src/transport/sweeper.ts`, `SessionSweep`), which checks them in the
 * same walk as the connection's transport deadlines. Without a sweep given
 * (a manager with no HTTP layer, as in unit tests) it makes one of its own,
 * holding sessions only. Time comes from an injected `Clock`.
 * @module
 */
import type { Clock } from "../clock.ts";
import { type SessionDeadlines, type SessionSweep, Sweeper } from "../transport/sweeper.ts";
import type { WebSocketClient } from "./client.ts";

/** Which deadline a client missed: `CL` in time, a frame in time, or its token's expiry. */
export type TimeoutKind = "hello" | "heartbeat" | "token";

/** Hears of a client that missed a deadline. */
export interface TimeoutHandler {
  /**
   * Called once per client that missed a deadline; it should close it.
   * @param client the client
   * @param kind which deadline
   */
  (client: WebSocketClient, kind: TimeoutKind): void;
}

/** Options of a `HeartbeatSupervisor`. */
export interface SupervisorOptions {
  /** Time, for the deadlines. */
  readonly clock: Clock;
  /** How long a connection may stay without `CL` (ms). */
  readonly helloTimeoutMs: number;
  /** How long a welcomed client may stay silent (ms). */
  readonly heartbeatTimeoutMs: number;
  /** Called once per client that missed a deadline; it should close it. */
  readonly onTimeout: TimeoutHandler;
  /** Tick period; by default a quarter of the shorter timeout, 50–1000 ms. */
  readonly tickMs?: number;
  /** The sweep whose table holds the connections (the HTTP server's); absent: one of its own. */
  readonly sweep?: SessionSweep;
}

/** A sweep with no transport rows, for a supervisor used without an HTTP layer. */
function sessionsOnlySweep(clock: Clock): Sweeper {
  return new Sweeper({
    clock,
    idleTimeoutMs: 0,
    closeTimeoutMs: 0,
    observer: { headerTimeout() {}, closeTimeout() {} },
  });
}

/** One client's deadlines, in the row of its connection. */
class ClientDeadlines implements SessionDeadlines {
  readonly #client: WebSocketClient;
  readonly #supervisor: HeartbeatSupervisor;

  constructor(client: WebSocketClient, supervisor: HeartbeatSupervisor) {
    this.#client = client;
    this.#supervisor = supervisor;
  }

  check(now: number): boolean {
    return this.#supervisor.check(this.#client, now);
  }
}

/** Closes clients that fall silent. */
export class HeartbeatSupervisor {
  readonly #clients: ReadonlyMap<string, WebSocketClient>;
  readonly #o: SupervisorOptions;
  readonly #sweep: SessionSweep;
  #running = false;

  /**
   * Creates a supervisor over the manager's clients; call `start()` to begin.
   * @param clients the manager's map of client records
   * @param options clock, timeouts, the timeout handler and the sweep
   */
  constructor(clients: ReadonlyMap<string, WebSocketClient>, options: SupervisorOptions) {
    this.#clients = clients;
    this.#o = options;
    this.#sweep = options.sweep ?? sessionsOnlySweep(options.clock);
  }

  /** The tick period in ms. */
  get tickMs(): number {
    const shorter = Math.min(this.#o.helloTimeoutMs, this.#o.heartbeatTimeoutMs);
    return this.#o.tickMs ?? Math.min(1000, Math.max(50, Math.floor(shorter / 4)));
  }

  /** Starts: every client's deadlines go in the sweep, which ticks for them (idempotent). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    for (const client of this.#clients.values()) this.watch(client);
    this.#sweep.holdForSessions(this.tickMs);
  }

  /** Stops: the deadlines leave the sweep at its next tick. */
  stop(): void {
    this.#running = false;
    this.#sweep.releaseSessions();
  }

  /**
   * Puts a new client's deadlines in the sweep (nothing while stopped).
   * @param client the client, just added to the manager's map
   */
  watch(client: WebSocketClient): void {
    if (this.#running) this.#sweep.watch(client.socket, new ClientDeadlines(client, this));
  }

  /**
   * Checks one client's deadlines (called by the sweep, in its connection's row).
   * @param client the client
   * @param now the sweep's time (ms)
   * @returns false once the client is closed or forgotten, or the supervisor stopped
   */
  check(client: WebSocketClient, now: number): boolean {
    if (!this.#running || client.state === "closed") return false;
    if (this.#clients.get(client.id) !== client) return false;
    if (client.state === "hello") {
      if (now - client.connectedAt >= this.#o.helloTimeoutMs) this.#o.onTimeout(client, "hello");
    } else if (now - client.lastHeartbeat >= this.#o.heartbeatTimeoutMs) {
      this.#o.onTimeout(client, "heartbeat");
    } else if (client.tokenExpiresAt !== 0 && now >= client.tokenExpiresAt) {
      this.#o.onTimeout(client, "token");
    }
    return true;
  }
}
