/**
 * The seam below `TrackedConn`: what the HTTP layer needs of an accepted
 * connection and of its listener. A `Deno.Conn` and a `Deno.Listener` are
 * one each; `node_conn.ts` and `node_listener.ts` are the `node:net`
 * alternatives (issue 18, item 3), selected by `TRANSPORT_IO`:
 * - `deno` (the default): `Deno.listen` and `Deno.Conn` end to end;
 * - `node`: our `Deno.listen` accept loop (reserve descriptor, budgets
 *   before any read), each admitted connection then moved onto a `node:net`
 *   TCP handle, whose writes are a synchronous `try_write` (no promise per
 *   write, no tokio coop budget); two descriptors per connection;
 * - `node-listen`: `net.createServer` end to end (one descriptor per
 *   connection; on Deno 2.9.6 its accept stops for good at `EMFILE`).
 * @module
 */

/** Which runtime API carries each connection's bytes. */
export type TransportIo = "deno" | "node" | "node-listen";

/** The values `TRANSPORT_IO` takes. */
export const TRANSPORT_IOS: readonly TransportIo[] = ["deno", "node", "node-listen"];

/** An accepted connection, as the HTTP layer uses it (a `Deno.Conn` is one). */
export interface RawConn {
  /** The peer's address. */
  readonly remoteAddr: Deno.Addr;
  /** Reads into `p`; the number of bytes read, or null at the end. */
  read(p: Uint8Array): Promise<number | null>;
  /** Writes from `p`; the number of bytes written. */
  write(p: Uint8Array): Promise<number>;
  /** Closes the connection. */
  close(): void;
  /** Disables Nagle's algorithm (TCP only). */
  setNoDelay?(noDelay?: boolean): void;
}

/** A listening socket, as the accept loop uses it (a `Deno.Listener` is one). */
export interface RawListener {
  /** The address it listens on. */
  readonly addr: Deno.Addr;
  /** Resolves once connections are taken (absent: at once); rejects if listening failed. */
  readonly ready?: Promise<void>;
  /** The next connection; rejects with `EMFILE`/`ENFILE` when no descriptor is left. */
  accept(): Promise<RawConn>;
  /** Stops listening. */
  close(): void;
}
