/**
 * `NodeListener`: a `net.Server` as a `RawListener` (variant `node-listen`
 * of `TRANSPORT_IO`), so the accept loop, the budgets and the shedding of
 * `HttpServer` stay as they are. Connections are queued as the server emits
 * them and handed out by `accept()`.
 *
 * Caveat (measured on Deno 2.9.6, `../shared/notes/transport-writes.md` §5):
 * at `EMFILE` Deno's `node:net` accept loop drops the error and never
 * accepts again; no error reaches `accept()`, so neither the reserve
 * descriptor nor the back-off of `HttpServer` can act.
 * @module
 */
import net from "node:net";
import { NodeConn } from "./node_conn.ts";
import type { RawConn, RawListener } from "./raw_conn.ts";

/** An `accept()` waiting for a connection. */
interface Waiter {
  readonly resolve: (conn: RawConn) => void;
  readonly reject: (error: unknown) => void;
}

/** A `node:net` server as a listener. */
export class NodeListener implements RawListener {
  readonly #server: net.Server;
  /** Resolves once the server listens (`net.Server` binds asynchronously). */
  readonly ready: Promise<void>;
  readonly #addr: Deno.NetAddr;
  readonly #queue: net.Socket[] = [];
  readonly #waiters: Waiter[] = [];
  #closed = false;

  /**
   * Starts listening. `net.Server` binds asynchronously while callers read
   * `addr` at once, so port 0 is resolved first by binding a `Deno.listen`
   * to a free port and closing it (another process could take it in
   * between: listening then fails, and `accept()` says so).
   * @param hostname the address to listen on
   * @param port the port (0: any free one)
   * @param reusePort share the port with other processes (`SO_REUSEPORT`)
   */
  constructor(hostname: string, port: number, reusePort = false) {
    if (port === 0) {
      const probe = Deno.listen({ hostname, port: 0 });
      port = (probe.addr as Deno.NetAddr).port;
      probe.close();
    }
    this.#addr = { transport: "tcp", hostname, port };
    this.#server = net.createServer({ pauseOnConnect: true }, this.#onConnection);
    this.#server.on("error", this.#onError);
    this.ready = new Promise((resolve, reject) => {
      this.#server.once("listening", () => resolve());
      this.#server.once("error", reject);
    });
    this.#server.listen({ host: hostname, port, backlog: 4096, reusePort } as net.ListenOptions);
  }

  /** The address it listens on. */
  get addr(): Deno.NetAddr {
    return this.#addr;
  }

  /**
   * The next connection.
   * @returns it, or rejects once the listener is closed
   */
  async accept(): Promise<RawConn> {
    await this.ready;
    const socket = this.#queue.shift();
    if (socket !== undefined) return new NodeConn(socket);
    if (this.#closed) throw new Deno.errors.BadResource("listener closed");
    return await new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Stops listening; queued connections are closed. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    for (const s of this.#queue.splice(0)) s.destroy();
    for (const w of this.#waiters.splice(0)) {
      w.reject(new Deno.errors.BadResource("listener closed"));
    }
  }

  readonly #onConnection = (socket: net.Socket): void => {
    if (this.#closed) return void socket.destroy();
    const w = this.#waiters.shift();
    if (w !== undefined) w.resolve(new NodeConn(socket));
    else this.#queue.push(socket);
  };

  readonly #onError = (error: unknown): void => {
    const w = this.#waiters.shift();
    w?.reject(error);
  };
}
