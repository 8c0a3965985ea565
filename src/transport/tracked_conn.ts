/**
 * `TrackedConn`: an accepted connection with its place in the
 * `ConnectionBudget` and its deadline for the `Sweeper`. Closing it releases
 * its budget exactly once, whoever closes it (the HTTP layer, the WebSocket,
 * the sweeper, the shutdown).
 * @module
 */
import type { ConnectionBudget, Counted } from "./budget.ts";
import type { ByteStream } from "./ws_socket.ts";

/** An accepted connection, counted. */
export class TrackedConn implements ByteStream {
  readonly #conn: Deno.Conn;
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
  #closed = false;
  /** Called once when the connection closes. */
  onclosed: (() => void) | null = null;

  /**
   * Wraps an accepted connection so closing it releases its place in the budget.
   * @param conn the accepted connection
   * @param budget the budget it was admitted to
   * @param counted its record there
   */
  constructor(conn: Deno.Conn, budget: ConnectionBudget, counted: Counted) {
    this.#conn = conn;
    this.#budget = budget;
    this.#counted = counted;
    const addr = conn.remoteAddr as Deno.NetAddr;
    this.peerAddress = addr.hostname ?? "unknown";
    this.port = addr.port ?? 0;
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

  /**
   * Writes all of `p`.
   * @param p the bytes
   */
  async writeAll(p: Uint8Array): Promise<void> {
    let at = 0;
    while (at < p.length) at += await this.#conn.write(p.subarray(at));
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
    this.#budget.release(this.#counted);
    try {
      this.#conn.close();
    } catch { /* already closed */ }
    this.onclosed?.();
  }
}
