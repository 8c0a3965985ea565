/**
 * `Sweeper`: the one owner of a connection's deadlines. One timer walks one
 * table with one row per connection (never a timer per connection, never a
 * second walk): the HTTP layer's deadlines and, once a WebSocket has a
 * session above it, the session's (the connection layer's `CL`, heartbeat
 * and token deadlines, `SessionDeadlines`, kept by `HeartbeatSupervisor`).
 *
 * Per row, in this order: an HTTP connection whose request head is late is
 * closed; a WebSocket silent for half the idle timeout is pinged and closed
 * 1001 after the whole of it; one whose peer has not completed a close within
 * the close timeout is dropped, freeing its slot. (Issue 13) A write that has
 * not progressed for the close timeout — HTTP responses and WebSocket frames
 * the peer does not read — ends its connection too (4009 for a WebSocket).
 * Then the session's deadlines (4002, 4008, 4001).
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

/**
 * The deadlines a layer above keeps on one connection (the connection
 * layer's `CL`, heartbeat and token expiry), checked by the same sweep as
 * the transport's, in the same row.
 */
export interface SessionDeadlines {
  /**
   * Checks the deadlines at `now` and acts on a missed one (closes the connection).
   * @param now the sweep's time (ms)
   * @returns false once the session is over: it leaves the row
   */
  check(now: number): boolean;
}

/** The table as a session layer sees it: where it puts its deadlines, and how often it needs them checked. */
export interface SessionSweep {
  /**
   * Puts a session's deadlines in the row of its connection (replacing any before).
   * @param connection the connection's socket (the row's key)
   * @param deadlines the session's deadlines
   */
  watch(connection: object, deadlines: SessionDeadlines): void;
  /**
   * Keeps the sweep ticking for sessions, at least every `tickMs`.
   * @param tickMs the longest period the sessions' deadlines allow
   */
  holdForSessions(tickMs: number): void;
  /** Sessions no longer need the sweep (their deadlines are dropped at the next tick). */
  releaseSessions(): void;
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
   * Tick period of the transport's deadlines (default 1 s: they are 5 s and
   * more, and each tick walks every connection).
   */
  readonly tickMs?: number;
}

/** One connection's row of the table: what each layer needs watched on it. */
export interface ConnectionRow {
  /** The HTTP connection, until it ends or upgrades. */
  conn: TrackedConn | null;
  /** The WebSocket, until it is closed. */
  socket: ServerWebSocket | null;
  /** The session above the WebSocket, until it is over. */
  session: SessionDeadlines | null;
  /** The stalled write seen at the previous tick (0: none): a write must be seen stalled twice. */
  stall: number;
}

/** The keys of the table's rows of one kind, as a set (adding one adds its row). */
export class RowKeys<T extends object> {
  readonly #rows: Map<object, ConnectionRow>;
  readonly #slot: "conn" | "socket";

  /**
   * A view of the table.
   * @param rows the table
   * @param slot which part of a row this view holds
   */
  constructor(rows: Map<object, ConnectionRow>, slot: "conn" | "socket") {
    this.#rows = rows;
    this.#slot = slot;
  }

  /**
   * Starts watching a connection.
   * @param key the HTTP connection or the WebSocket
   */
  add(key: T): void {
    let row = this.#rows.get(key);
    if (row === undefined) {
      row = { conn: null, socket: null, session: null, stall: 0 };
      this.#rows.set(key, row);
    }
    if (this.#slot === "conn") row.conn = key as unknown as TrackedConn;
    else row.socket = key as unknown as ServerWebSocket;
  }

  /** How many are watched. */
  get size(): number {
    let n = 0;
    for (const row of this.#rows.values()) if (row[this.#slot] !== null) n++;
    return n;
  }

  /** The watched ones, in the order they came. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (const row of this.#rows.values()) {
      const key = row[this.#slot];
      if (key !== null) yield key as unknown as T;
    }
  }
}

/** Watches the deadlines of every connection, transport and session alike, in one sweep. */
export class Sweeper implements SessionSweep {
  readonly #o: SweeperOptions;
  /** The table: one row per connection. */
  readonly #rows = new Map<object, ConnectionRow>();
  /** Connections still speaking HTTP. */
  readonly conns: RowKeys<TrackedConn>;
  /** Connections that became WebSockets. */
  readonly sockets: RowKeys<ServerWebSocket>;
  #timer: TimerHandle | null = null;
  #periodMs = 0;
  /** Whether the transport's timer runs (from `start()` to `stop()`). */
  #transport = false;
  /** Whether `stop()` ended the transport's deadlines (a tick then sweeps sessions only). */
  #transportStopped = false;
  /** The period sessions asked for, or null when they need no ticks. */
  #sessionTickMs: number | null = null;

  /**
   * Creates a sweeper; `start()` begins ticking.
   * @param options clock, timeouts and observer
   */
  constructor(options: SweeperOptions) {
    this.#o = options;
    this.conns = new RowKeys(this.#rows, "conn");
    this.sockets = new RowKeys(this.#rows, "socket");
  }

  /** Starts keeping the transport's deadlines (idempotent). */
  start(): void {
    this.#transport = true;
    this.#transportStopped = false;
    this.#schedule();
  }

  /** Stops keeping the transport's deadlines (sessions, if held, are still swept). */
  stop(): void {
    this.#transport = false;
    this.#transportStopped = true;
    this.#schedule();
  }

  /**
   * Puts a session's deadlines in the row of its connection.
   * @param connection the connection's socket (the row's key)
   * @param deadlines the session's deadlines
   */
  watch(connection: object, deadlines: SessionDeadlines): void {
    const row = this.#rows.get(connection);
    if (row === undefined) {
      this.#rows.set(connection, { conn: null, socket: null, session: deadlines, stall: 0 });
    } else {
      row.session = deadlines;
    }
  }

  /**
   * Keeps ticking for sessions, at least every `tickMs`.
   * @param tickMs the longest period the sessions' deadlines allow
   */
  holdForSessions(tickMs: number): void {
    this.#sessionTickMs = tickMs;
    this.#schedule();
  }

  /** Sessions no longer hold the sweep. */
  releaseSessions(): void {
    this.#sessionTickMs = null;
    this.#schedule();
  }

  /** The tick period in force, ms (0: not ticking). */
  get periodMs(): number {
    return this.#timer === null ? 0 : this.#periodMs;
  }

  /** One timer at the shortest period any holder needs; none when nobody holds. */
  #schedule(): void {
    const periods = [
      ...(this.#transport ? [this.#o.tickMs ?? 1000] : []),
      ...(this.#sessionTickMs === null ? [] : [this.#sessionTickMs]),
    ];
    const period = periods.length === 0 ? 0 : Math.min(...periods);
    if (this.#timer !== null && period === this.#periodMs) return;
    if (this.#timer !== null) this.#o.clock.clearInterval(this.#timer);
    this.#timer = null;
    this.#periodMs = period;
    if (period > 0) this.#timer = this.#o.clock.setInterval(() => this.tick(), period);
  }

  /**
   * The start of a write that was already under way at the previous tick
   * (0: none), so a write that the runtime has finished but not yet reported
   * is never taken for a stalled one.
   */
  #stalled(row: ConnectionRow, since: number): number {
    const before = row.stall;
    row.stall = since;
    return since !== 0 && since === before ? since : 0;
  }

  /** Checks every connection once: one walk over the table. */
  tick(): void {
    const now = this.#o.clock.now();
    for (const [key, row] of this.#rows) {
      if (!this.#transportStopped) {
        if (row.conn !== null) this.#checkConn(row, row.conn, now);
        if (row.socket !== null) this.#checkSocket(row, row.socket, now);
      }
      if (row.session !== null && !row.session.check(now)) row.session = null;
      if (row.conn === null && row.socket === null && row.session === null) this.#rows.delete(key);
    }
  }

  #checkConn(row: ConnectionRow, c: TrackedConn, now: number): void {
    const writing = this.#stalled(row, c.writeStalledSince ?? 0);
    if (c.closed || c.upgraded) {
      row.conn = null;
    } else if (c.deadline !== 0 && now >= c.deadline) {
      this.#o.observer.headerTimeout();
      c.close();
      row.conn = null;
    } else if (writing !== 0 && now - writing >= this.#o.closeTimeoutMs) {
      this.#o.observer.writeTimeout?.();
      c.close();
      row.conn = null;
    }
  }

  #checkSocket(row: ConnectionRow, s: ServerWebSocket, now: number): void {
    const state = s.readyState;
    const writing = this.#stalled(row, s.writeStalledSince ?? 0);
    const idle = this.#o.idleTimeoutMs;
    if (state === READY.closed) {
      row.socket = null;
    } else if (state === READY.open && writing !== 0 && now - writing >= this.#o.closeTimeoutMs) {
      this.#o.observer.writeTimeout?.();
      s.writeStalled();
      row.socket = null;
    } else if (state === READY.closing) {
      if (now - s.closingSince >= this.#o.closeTimeoutMs) {
        this.#o.observer.closeTimeout();
        s.terminate();
        row.socket = null;
      }
    } else if (idle > 0) {
      const silent = now - s.lastReceived;
      if (silent >= idle) s.close(CLOSE.goingAway, "no answer to ping");
      else if (silent >= idle / 2 && s.pingSentAt === 0) s.ping();
    }
  }
}
