/**
 * `TrackedConn`: an accepted connection with its place in the
 * `ConnectionBudget` and its deadline for the `Sweeper`. Closing it releases
 * its budget exactly once, whoever closes it (the HTTP layer, the WebSocket,
 * the sweeper, the shutdown). It carries the connection's
 * `ConnectionAccount` (what the peer has made it hold, HTTP and WebSocket
 * alike) and when its write under way last progressed, for the write deadline.
 * @module
 */
import { accountLimit, ConnectionAccount } from "./account.ts";
import type { ConnectionBudget, Counted } from "./budget.ts";
import type { ByteStream, ByteWriter } from "./ws_socket.ts";
import type { RawConn } from "./raw_conn.ts";

/** An accepted connection, counted. */
export class TrackedConn implements ByteStream {
  readonly #conn: RawConn;
  readonly #budget: ConnectionBudget;
  readonly #counted: Counted;
  /** The peer's own address (a proxy's, behind one). */
  readonly peerAddress: string;
  /** The peer's port. */
  readonly port: number;
  /** When the current request's head must be complete (ms since the epoch; 0: no deadline). */
  deadline = 0;
  /** Set once the connection became a WebSocket (the socket owns it from then on). */
  upgraded = false;
  /** What the peer has made this connection hold. */
  readonly account: ConnectionAccount;
  #closed = false;
  #writeSince = 0;
  /** A TLS handshake not finished yet (null: none, or done). */
  #handshake: Promise<unknown> | null = null;
  readonly #now: () => number;
  /** Called once when the connection closes. */
  onclosed: (() => void) | null = null;

  /**
   * Wraps an accepted connection so closing it releases its place in the budget.
   * @param conn the accepted connection
   * @param budget the budget it was admitted to
   * @param counted its record there
   * @param account its account (default: `accountLimit(65536)`)
   * @param now time (ms), for the write deadline
   */
  constructor(
    conn: RawConn,
    budget: ConnectionBudget,
    counted: Counted,
    account: ConnectionAccount = new ConnectionAccount(accountLimit(65536)),
    now: () => number = Date.now,
  ) {
    this.#conn = conn;
    this.account = account;
    this.#now = now;
    this.#budget = budget;
    this.#counted = counted;
    const addr = conn.remoteAddr as Deno.NetAddr;
    this.peerAddress = addr.hostname ?? "unknown";
    this.port = addr.port ?? 0;
  }

  /**
   * Keeps the connection counted until its TLS handshake has settled. The
   * runtime cannot abort a handshake in progress: closing the connection
   * before the peer sends its ClientHello (or goes away) leaves its
   * descriptor held until then (measured: Deno 2.9 frees it when the peer
   * closes, never before — `Deno.listenTls` and `node:tls` alike; and the
   * handshake's promise rejects at the close although the descriptor stays).
   * So a close before the handshake settled is carried out when it settles,
   * and the connection stays counted in the budget until then.
   * @param handshake settles when the handshake finished or failed
   */
  countUntil(handshake: Promise<unknown>): void {
    const pending = handshake.then(() => {}, () => {}).finally(() => {
      if (this.#handshake === pending) this.#handshake = null;
    });
    this.#handshake = pending;
  }

  /** The address it is counted under (the client's, once known). */
  get address(): string {
    return this.#counted.address;
  }

  /** Whether it has been closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether its client has not been welcomed yet. */
  get pending(): boolean {
    return this.#counted.pending;
  }

  /**
   * Reads into `p`.
   * @param p the buffer
   * @returns the bytes read, or null at the end of the stream
   */
  read(p: Uint8Array): Promise<number | null> {
    return this.#conn.read(p);
  }

  /**
   * Writes some of `p`.
   * @param p the bytes
   * @returns how many were written
   */
  write(p: Uint8Array): Promise<number> {
    return this.#conn.write(p);
  }

  /** The connection itself: writes pass through this wrapper unchanged. */
  get writer(): ByteWriter {
    return this.#conn;
  }

  /** When the `writeAll` under way last progressed (0: none is out), for the write deadline. */
  get writeStalledSince(): number {
    return this.#writeSince;
  }

  /**
   * Writes all of `p`.
   * @param p the bytes
   */
  async writeAll(p: Uint8Array): Promise<void> {
    let at = 0;
    try {
      while (at < p.length) {
        this.#writeSince = this.#now();
        at += await this.#conn.write(at === 0 ? p : p.subarray(at));
      }
    } finally {
      this.#writeSince = 0;
    }
  }

  /**
   * Counts it under the client's address (from a trusted proxy).
   * @param address the client's address
   * @returns false when that address holds its share of pending connections already
   */
  reassign(address: string): boolean {
    return this.#budget.reassign(this.#counted, address);
  }

  /** Its client was welcomed: it stops counting as pending. */
  welcome(): void {
    this.#budget.welcome(this.#counted);
  }

  /** Closes it and releases its budget (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const handshake = this.#handshake;
    if (handshake === null) this.#end();
    else void handshake.then(() => this.#end());
    this.onclosed?.();
  }

  #end(): void {
    this.#budget.release(this.#counted);
    try {
      this.#conn.close();
    } catch { /* already closed */ }
  }
}
