/**
 * `Sweeper`: one timer over every connection of the HTTP layer (never a
 * timer per connection). It closes HTTP connections whose request head is
 * late, pings WebSockets that have been silent for half the idle timeout and
 * closes them 1001 when the whole idle timeout passes without a byte, and
 * drops WebSockets whose peer has not completed a close within the close
 * timeout, freeing their slots. (Issue 13) A write that has not progressed
 * for the close timeout — HTTP responses and WebSocket frames the peer does
 * not read — ends its connection too.
 * @module
 */
import type { Clock, TimerHandle } from "../clock.ts";
import type { TrackedConn } from "./tracked_conn.ts";
import { READY, type ServerWebSocket } from "./ws_socket.ts";
import { CLOSE } from "../protocol/codes.ts";

/** What the sweeper reports. */
export interface SweepObserver {
  /** An HTTP connection missed its header deadline. */
  headerTimeout(): void;
  /** A WebSocket peer did not complete the close in time. */
  closeTimeout(): void;
  /** A peer did not read what was written to it within the close timeout. */
  writeTimeout?(): void;
}

/** Options of a `Sweeper`. */
export interface SweeperOptions {
  /** Time, for the ticks. */
  readonly clock: Clock;
  /** Silence after which a WebSocket is closed 1001 (half of it: pinged); 0: never. */
  readonly idleTimeoutMs: number;
  /** Time a peer has to complete a close before it is dropped. */
  readonly closeTimeoutMs: number;
  /** Hears of sockets closed for idling or dropped mid-close. */
  readonly observer: SweepObserver;
  /**
   * Tick period (default 1 s: the deadlines it keeps are 5 s and more, and
   * each tick walks every connection).
   */
  readonly tickMs?: number;
}

/** Watches the deadlines of every connection. */
export class Sweeper {
  readonly #o: SweeperOptions;
  /** Connections still speaking HTTP. */
  readonly conns: Set<TrackedConn> = new Set();
  /** Connections that became WebSockets. */
  readonly sockets: Set<ServerWebSocket> = new Set();
  #timer: TimerHandle | null = null;
  /** The stalled write each connection had at the previous tick (a write must be seen stalled twice). */
  #stalls = new WeakMap<object, number>();

  /**
   * Creates a sweeper; `start()` begins ticking.
   * @param options clock, timeouts and observer
   */
  constructor(options: SweeperOptions) {
    this.#o = options;
  }

  /** Starts ticking (idempotent). */
  start(): void {
    this.#timer ??= this.#o.clock.setInterval(() => this.tick(), this.#o.tickMs ?? 1000);
  }

  /** Stops ticking. */
  stop(): void {
    if (this.#timer !== null) this.#o.clock.clearInterval(this.#timer);
    this.#timer = null;
  }

  /**
   * The start of a write that was already under way at the previous tick
   * (0: none), so a write that the runtime has finished but not yet reported
   * is never taken for a stalled one.
   */
  #stalled(key: object, since: number): number {
    const before = this.#stalls.get(key) ?? 0;
    if (since === 0) this.#stalls.delete(key);
    else this.#stalls.set(key, since);
    return since !== 0 && since === before ? since : 0;
  }

  /** Checks every connection once. */
  tick(): void {
    const now = this.#o.clock.now();
    const writeLimit = this.#o.closeTimeoutMs;
    for (const c of this.conns) {
      const writing = this.#stalled(c, c.writeStalledSince ?? 0);
      if (c.closed || c.upgraded) {
        this.conns.delete(c);
      } else if (c.deadline !== 0 && now >= c.deadline) {
        this.#o.observer.headerTimeout();
        c.close();
        this.conns.delete(c);
      } else if (writing !== 0 && now - writing >= writeLimit) {
        this.#o.observer.writeTimeout?.();
        c.close();
        this.conns.delete(c);
      }
    }
    const idle = this.#o.idleTimeoutMs;
    for (const s of this.sockets) {
      const state = s.readyState;
      const writing = this.#stalled(s, s.writeStalledSince ?? 0);
      if (state === READY.closed) {
        this.sockets.delete(s);
      } else if (state === READY.open && writing !== 0 && now - writing >= writeLimit) {
        this.#o.observer.writeTimeout?.();
        s.writeStalled();
        this.sockets.delete(s);
      } else if (state === READY.closing) {
        if (now - s.closingSince >= this.#o.closeTimeoutMs) {
          this.#o.observer.closeTimeout();
          s.terminate();
          this.sockets.delete(s);
        }
      } else if (idle > 0) {
        const silent = now - s.lastReceived;
        if (silent >= idle) s.close(CLOSE.goingAway, "no answer to ping");
        else if (silent >= idle / 2 && s.pingSentAt === 0) s.ping();
      }
    }
  }
}
