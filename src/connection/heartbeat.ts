/**
 * `HeartbeatSupervisor`: one `setInterval` over the manager's `Map` of client
 * records (never a timer per connection). A client that has not sent `CL`
 * within the hello timeout, or any frame within the heartbeat timeout, is
 * reported to `onTimeout`, and so is one whose token has expired (4001).
 * Protocol-level pongs are not frames and do not
 * count. Time comes from an injected `Clock`.
 * @module
 */
import type { Clock, TimerHandle } from "../clock.ts";
import type { WebSocketClient } from "./client.ts";

/** Which deadline a client missed: `CL` in time, a frame in time, or its token's expiry. */
export type TimeoutKind = "hello" | "heartbeat" | "token";

/** Options of a `HeartbeatSupervisor`. */
export interface SupervisorOptions {
  /** Time, for the deadlines. */
  readonly clock: Clock;
  /** How long a connection may stay without `CL` (ms). */
  readonly helloTimeoutMs: number;
  /** How long a welcomed client may stay silent (ms). */
  readonly heartbeatTimeoutMs: number;
  /** Called once per client that missed a deadline; it should close it. */
  readonly onTimeout: (client: WebSocketClient, kind: TimeoutKind) => void;
  /** Tick period; by default a quarter of the shorter timeout, 50–1000 ms. */
  readonly tickMs?: number;
}

/** Closes clients that fall silent. */
export class HeartbeatSupervisor {
  readonly #clients: ReadonlyMap<string, WebSocketClient>;
  readonly #o: SupervisorOptions;
  #timer: TimerHandle | null = null;

  /**
   * Creates a supervisor over the manager's clients; call `start()` to begin.
   * @param clients the manager's map of client records
   * @param options clock, timeouts and the timeout handler
   */
  constructor(clients: ReadonlyMap<string, WebSocketClient>, options: SupervisorOptions) {
    this.#clients = clients;
    this.#o = options;
  }

  /** The tick period in ms. */
  get tickMs(): number {
    const shorter = Math.min(this.#o.helloTimeoutMs, this.#o.heartbeatTimeoutMs);
    return this.#o.tickMs ?? Math.min(1000, Math.max(50, Math.floor(shorter / 4)));
  }

  /** Starts ticking (idempotent). */
  start(): void {
    this.#timer ??= this.#o.clock.setInterval(() => this.tick(), this.tickMs);
  }

  /** Stops ticking. */
  stop(): void {
    if (this.#timer !== null) this.#o.clock.clearInterval(this.#timer);
    this.#timer = null;
  }

  /**
   * Checks every client once.
   * @returns how many clients missed a deadline
   */
  tick(): number {
    const now = this.#o.clock.now();
    let missed = 0;
    for (const client of this.#clients.values()) {
      if (client.state === "closed") continue;
      if (client.state === "hello") {
        if (now - client.connectedAt >= this.#o.helloTimeoutMs) {
          missed++;
          this.#o.onTimeout(client, "hello");
        }
      } else if (now - client.lastHeartbeat >= this.#o.heartbeatTimeoutMs) {
        missed++;
        this.#o.onTimeout(client, "heartbeat");
      } else if (client.tokenExpiresAt !== 0 && now >= client.tokenExpiresAt) {
        missed++;
        this.#o.onTimeout(client, "token");
      }
    }
    return missed;
  }
}
