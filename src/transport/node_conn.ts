/**
 * `NodeConn`: a `node:net` socket as a `RawConn`. Reads are pulled: the
 * socket stays paused until `read()` asks, so a peer that sends is held back
 * by TCP as with `Deno.Conn`. A write goes to `socket.write`, which tries the
 * kernel synchronously (`try_write`: no op promise, no tokio coop budget);
 * it resolves at once when the socket took it below its high-water mark,
 * else at `drain`, so the sender's write deadline still sees a peer that
 * does not read.
 *
 * `adoptConn` moves an accepted `Deno.Conn` onto a `node:net` TCP handle
 * (`TCPWrap.openFromRid` duplicates its descriptor; the `Deno.Conn` is kept
 * open beside it, as closing it shuts the socket down, and closed with it).
 * @module
 */
import net from "node:net";
import process from "node:process";
import type { RawConn } from "./raw_conn.ts";
import { concatBytes } from "./bytes.ts";

/** A read waiting for bytes. */
interface PendingRead {
  readonly into: Uint8Array;
  readonly resolve: (n: number | null) => void;
  readonly reject: (error: unknown) => void;
}

/** A write waiting for `drain`. */
interface PendingWrite {
  readonly size: number;
  readonly resolve: (n: number) => void;
  readonly reject: (error: unknown) => void;
}

/** A `node:net` socket as a byte stream. */
export class NodeConn implements RawConn {
  /** The peer's address. */
  readonly remoteAddr: Deno.Addr;
  readonly #socket: net.Socket;
  /** A `Deno.Conn` whose descriptor the socket duplicated (closed with it), or null. */
  readonly #owner: RawConn | null;
  #chunk: Uint8Array | null = null;
  #read: PendingRead | null = null;
  #write: PendingWrite | null = null;
  #ended = false;
  #error: unknown = null;
  #closed = false;

  /**
   * Wraps a connected socket (it must not be read by anyone else).
   * @param socket the socket
   * @param owner a connection to close with it (its descriptor's original), or null
   */
  constructor(socket: net.Socket, owner: RawConn | null = null) {
    this.#socket = socket;
    this.#owner = owner;
    this.remoteAddr = owner?.remoteAddr ?? {
      transport: "tcp",
      hostname: socket.remoteAddress ?? "unknown",
      port: socket.remotePort ?? 0,
    };
    socket.on("data", this.#onData);
    socket.pause();
    socket.on("end", this.#onEnd);
    socket.on("error", this.#onError);
    socket.on("close", this.#onEnd);
    socket.on("drain", this.#onDrain);
  }

  /**
   * Reads into `p`.
   * @param p the buffer
   * @returns the bytes read, or null at the end of the stream
   */
  read(p: Uint8Array): Promise<number | null> {
    if (this.#chunk !== null) return Promise.resolve(this.#take(p));
    if (this.#error !== null) return Promise.reject(this.#error);
    if (this.#ended || this.#closed) return Promise.resolve(null);
    if (this.#read !== null) return Promise.reject(new Error("a read is already pending"));
    return new Promise((resolve, reject) => {
      this.#read = { into: p, resolve, reject };
      this.#socket.resume();
    });
  }

  /**
   * Writes `p` (all of it: the socket queues what the kernel did not take).
   * @param p the bytes (not modified until written)
   * @returns how many were written: all of them
   */
  write(p: Uint8Array): Promise<number> {
    if (this.#error !== null) return Promise.reject(this.#error);
    if (this.#closed || this.#socket.destroyed) {
      return Promise.reject(new Deno.errors.BadResource("the connection is closed"));
    }
    if (this.#socket.write(p)) return Promise.resolve(p.length);
    return new Promise((resolve, reject) => {
      this.#write = { size: p.length, resolve, reject };
    });
  }

  /**
   * Disables Nagle's algorithm.
   * @param noDelay true to send at once
   */
  setNoDelay(noDelay = true): void {
    this.#socket.setNoDelay(noDelay);
  }

  /** Closes the socket (and the connection it was duplicated from). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.destroy();
    try {
      this.#owner?.close();
    } catch { /* already closed */ }
    this.#settle(null);
  }

  #take(p: Uint8Array): number {
    const chunk = this.#chunk!;
    const n = Math.min(p.length, chunk.length);
    p.set(n === chunk.length ? chunk : chunk.subarray(0, n));
    this.#chunk = n === chunk.length ? null : chunk.subarray(n);
    return n;
  }

  readonly #onData = (data: Uint8Array): void => {
    this.#socket.pause();
    this.#chunk = this.#chunk === null ? data : concatBytes(this.#chunk, data);
    const r = this.#read;
    if (r === null) return;
    this.#read = null;
    r.resolve(this.#take(r.into));
  };

  readonly #onEnd = (): void => {
    this.#ended = true;
    this.#settle(null);
  };

  readonly #onError = (error: unknown): void => {
    this.#error = error;
    this.#settle(error);
  };

  readonly #onDrain = (): void => {
    const w = this.#write;
    if (w === null) return;
    this.#write = null;
    w.resolve(w.size);
  };

  /** Ends what waits: reads get the end (or the error), a write waiting for drain fails. */
  #settle(error: unknown): void {
    const r = this.#read;
    if (r !== null && this.#chunk === null) {
      this.#read = null;
      if (error === null) r.resolve(null);
      else r.reject(error);
    }
    const w = this.#write;
    if (w !== null) {
      this.#write = null;
      w.reject(error ?? new Deno.errors.BrokenPipe("the connection closed"));
    }
  }
}

/** The part of Node's internal `TCP` handle `adoptConn` uses. */
interface TcpHandle {
  openFromRid(rid: number): number;
}
type TcpHandleClass = new (type: number) => TcpHandle;

let tcpClass: TcpHandleClass | null = null;

function tcpHandleClass(): TcpHandleClass {
  if (tcpClass === null) {
    const binding = (process as unknown as { binding(name: string): unknown }).binding(
      "tcp_wrap",
    ) as { TCP: TcpHandleClass };
    tcpClass = binding.TCP;
  }
  return tcpClass;
}

/**
 * Moves an accepted `Deno.Conn` onto a `node:net` TCP handle (variant
 * `node`). The handle duplicates the descriptor, so this can fail when none
 * is left: null then, and the caller sheds the connection.
 * @param conn the accepted connection (kept open, closed with the result)
 * @returns the connection as a `NodeConn`, or null when it could not be moved
 */
export function adoptConn(conn: Deno.Conn): NodeConn | null {
  const internal = (Deno as unknown as Record<symbol, { core: { internalRidSymbol: symbol } }>)[
    (Deno as unknown as { internal: symbol }).internal
  ]!;
  const rid = (conn as unknown as Record<symbol, number>)[internal.core.internalRidSymbol];
  if (rid === undefined) return null;
  const handle = new (tcpHandleClass())(0);
  if (handle.openFromRid(rid) !== 0) return null;
  return new NodeConn(new net.Socket({ handle } as unknown as net.SocketConstructorOpts), conn);
}
