/**
 * `HttpServer`: the process's listener, in place of `Deno.serve`, whose
 * accept loop ends the process when descriptors run out and which gives no
 * hold on connections whose head never completes. This one:
 * - survives `EMFILE`/`ENFILE`: it keeps one descriptor in reserve, and when
 *   accept fails for want of descriptors it frees the reserve, accepts the
 *   waiting connection and closes it at once (shed), then takes the reserve
 *   back; when even that fails it waits a little and tries again;
 * - admits each connection against a `ConnectionBudget` (sockets, pending,
 *   pending per address) and sheds what is over it with a bare `503`;
 * - serves HTTP/1.1 and WebSockets (`http_connection.ts`), with one
 *   `Sweeper` for header deadlines, pings and close timeouts.
 * @module
 */
import { exponentialDelay } from "../async/backoff.ts";
import { delay } from "../async/deadline.ts";
import type { Clock } from "../clock.ts";
import { accountLimit, ConnectionAccount } from "./account.ts";
import { type BudgetLimits, ConnectionBudget, type ShedReason } from "./budget.ts";
import type { PeerRateLimits } from "./peer_rate.ts";
import { type Handler, type HttpOptions, serveConnection } from "./http_connection.ts";
import { type SessionSweep, Sweeper, type SweepObserver } from "./sweeper.ts";
import { TrackedConn } from "./tracked_conn.ts";
import { adoptConn } from "./node_conn.ts";
import { NodeListener } from "./node_listener.ts";
import type { RawConn, RawListener, TransportIo } from "./raw_conn.ts";
import { READY } from "./ws_socket.ts";
import type { WriteScheduler } from "./write_scheduler.ts";
import { CLOSE } from "../protocol/codes.ts";

/** What the HTTP layer reports, for metrics and logs. */
export interface TransportObserver extends SweepObserver {
  /** A connection was refused: over a budget, or no descriptor was left (`fds`). */
  shed(reason: ShedReason | "fds"): void;
  /** Accept failed (other than for descriptors); the loop goes on. */
  acceptError(error: unknown): void;
  /** A request handler threw. */
  handlerError(error: unknown): void;
}

/** Options of `HttpServer`. */
export interface HttpServerOptions {
  /** The address to listen on. */
  readonly hostname: string;
  /** The port to listen on (0: any free one). */
  readonly port: number;
  /** PEM certificate and key: serve TLS. */
  readonly tls?: { readonly cert: string; readonly key: string } | null;
  /** Let several processes listen on the port (Linux `SO_REUSEPORT`). */
  readonly reusePort?: boolean;
  /** Answers each request. */
  readonly handler: Handler;
  /** Connection limits: past them new connections are shed with a 503. */
  readonly limits: BudgetLimits;
  /** Largest request body accepted (else 413). */
  readonly maxBodyBytes: number;
  /** Largest WebSocket message accepted (else 1009). */
  readonly maxMessageBytes: number;
  /** Time for a request head (and a kept-alive connection's idling), ms. */
  readonly headerTimeoutMs: number;
  /** Time a peer has to complete a close, ms. */
  readonly closeTimeoutMs: number;
  /** WebSocket silence before 1001 (pinged at half), ms; 0: never. */
  readonly idleTimeoutMs: number;
  /** Proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed. */
  readonly trustedProxies: readonly string[];
  /** Time, for timeouts and the sweeper. */
  readonly clock: Clock;
  /** Hears of shed connections, errors and closes. */
  readonly observer: TransportObserver;
  /** A WebSocket peer's rate limit, frames and bytes (none: not limited at this layer). */
  readonly peerRate?: PeerRateLimits | null;
  /**
   * Which runtime API carries the bytes (`raw_conn.ts`; default `deno`).
   * TLS is always served by `Deno.listenTls`.
   */
  readonly io?: TransportIo;
  /** Each connection's account limit, bytes (default: `accountLimit(maxMessageBytes)`, 4 MiB send buffer). */
  readonly accountLimitBytes?: number;
  /** The queue WebSockets' writes wait their turn in (default: the process's, `sharedWriteScheduler()`). */
  readonly writeScheduler?: WriteScheduler;
}

const SHED_RESPONSE = new TextEncoder().encode(
  "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nretry-after: 1\r\nconnection: close\r\n\r\n",
);

/** A listening HTTP/1.1 + WebSocket server. */
export class HttpServer {
  /** The address it listens on. */
  readonly addr: Deno.NetAddr;
  /** Which runtime API carries the bytes (TLS: always `deno`). */
  readonly io: TransportIo;
  /**
   * Resolves once connections are taken: at once but for `node-listen`,
   * whose `net.Server` binds asynchronously; rejects if listening failed.
   */
  readonly listening: Promise<void>;
  /** Resolves when the accept loop has ended (after `close()`). */
  readonly finished: Promise<void>;
  /** The connection counts and limits in force. */
  readonly budget: ConnectionBudget;
  readonly #o: HttpServerOptions;
  readonly #listener: RawListener;
  readonly #sweeper: Sweeper;
  /** What every connection is served with: built once, not per accept (a storm accepts thousands). */
  readonly #http: HttpOptions;
  readonly #accountLimit: number;
  #reserve: Deno.FsFile | null = null;
  #closed = false;

  /**
   * Listens and starts accepting.
   * @param options address, TLS, handler, limits and observer
   */
  constructor(options: HttpServerOptions) {
    this.#o = options;
    this.budget = new ConnectionBudget(options.limits);
    const base = { hostname: options.hostname, port: options.port };
    this.io = options.tls ? "deno" : options.io ?? "deno";
    this.#listener = this.io === "node-listen"
      ? new NodeListener(options.hostname, options.port, options.reusePort ?? false)
      : options.tls
      ? Deno.listenTls({
        ...base,
        cert: options.tls.cert,
        key: options.tls.key,
        alpnProtocols: ["http/1.1"],
      })
      : Deno.listen({ ...base, ...(options.reusePort ? { reusePort: true } : {}) });
    this.addr = this.#listener.addr as Deno.NetAddr;
    this.listening = this.#listener.ready ?? Promise.resolve();
    this.#sweeper = new Sweeper({
      clock: options.clock,
      idleTimeoutMs: options.idleTimeoutMs,
      closeTimeoutMs: options.closeTimeoutMs,
      observer: options.observer,
    });
    this.#sweeper.start();
    this.#http = {
      handler: options.handler,
      scheme: options.tls ? "https" : "http",
      maxBodyBytes: options.maxBodyBytes,
      maxMessageBytes: options.maxMessageBytes,
      headerTimeoutMs: options.headerTimeoutMs,
      trustedProxies: new Set(options.trustedProxies),
      now: () => options.clock.now(),
      onHandlerError: (e) => options.observer.handlerError(e),
      onUpgrade: (socket) => this.#sweeper.sockets.add(socket),
      peerRate: options.peerRate ?? null,
      ...(options.writeScheduler ? { writeScheduler: options.writeScheduler } : {}),
    };
    this.#accountLimit = options.accountLimitBytes ?? accountLimit(options.maxMessageBytes);
    this.#takeReserve();
    this.finished = this.#acceptLoop();
  }

  /** The one sweep over this server's connections, where sessions put their deadlines. */
  get sweep(): SessionSweep {
    return this.#sweeper;
  }

  /** Open WebSockets (any state but closed). */
  get openSockets(): number {
    let n = 0;
    for (const s of this.#sweeper.sockets) if (s.readyState !== READY.closed) n++;
    return n;
  }

  /** Stops accepting; connections already open go on. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch { /* already closed */ }
    this.#reserve?.close();
    this.#reserve = null;
  }

  /** Ends every connection now (the last step of a shutdown). */
  terminateAll(): void {
    for (const s of this.#sweeper.sockets) s.terminate(CLOSE.restarting);
    for (const c of this.#sweeper.conns) c.close();
    this.#sweeper.stop();
  }

  async #acceptLoop(): Promise<void> {
    let failures = 0;
    while (!this.#closed) {
      let conn: RawConn;
      try {
        conn = await this.#listener.accept();
        failures = 0;
      } catch (e) {
        if (this.#closed) break;
        if (isOutOfDescriptors(e)) {
          this.#o.observer.shed("fds");
          if (!(await this.#shedWithReserve())) await this.#pause(failures++);
        } else {
          this.#o.observer.acceptError(e);
          await this.#pause(failures++);
        }
        continue;
      }
      this.#admit(conn);
    }
    this.#sweeper.stop();
  }

  #admit(accepted: RawConn): void {
    let conn = accepted;
    const peer = (conn.remoteAddr as Deno.NetAddr).hostname ?? "unknown";
    const exempt = this.#http.trustedProxies.has(peer);
    const counted = this.budget.admit(peer, exempt);
    if (typeof counted === "string") {
      this.#o.observer.shed(counted);
      shed(conn, !this.#o.tls);
      return;
    }
    if (this.io === "node") {
      const moved = adoptConn(conn as Deno.Conn);
      if (moved === null) {
        // No descriptor left for the duplicate: shed, as accept would have.
        this.budget.release(counted);
        this.#o.observer.shed("fds");
        shed(conn, false);
        return;
      }
      conn = moved;
    }
    try {
      conn.setNoDelay?.(true);
    } catch { /* not TCP */ }
    const tracked = new TrackedConn(
      conn,
      this.budget,
      counted,
      new ConnectionAccount(this.#accountLimit),
      this.#http.now,
    );
    if (this.#o.tls) tracked.countUntil((conn as Deno.TlsConn).handshake());
    this.#sweeper.conns.add(tracked);
    void serveConnection(tracked, this.#http);
  }

  /** Waits before the next accept after `failures` failures in a row: 10 ms doubling to 1 s. */
  #pause(failures: number): Promise<void> {
    return delay(exponentialDelay(failures, 10, 1000), this.#o.clock);
  }

  /** Frees the reserve descriptor to accept and shed one connection; false if that failed. */
  async #shedWithReserve(): Promise<boolean> {
    if (!this.#reserve) return this.#takeReserve();
    this.#reserve.close();
    this.#reserve = null;
    try {
      const conn = await this.#listener.accept();
      try {
        conn.close();
      } catch { /* gone */ }
    } catch {
      // Another descriptor was taken first, or the listener closed.
    }
    return this.#takeReserve();
  }

  #takeReserve(): boolean {
    if (this.#closed) return false;
    try {
      this.#reserve = Deno.openSync("/dev/null");
      return true;
    } catch {
      this.#reserve = null;
      return false;
    }
  }
}

/** Refuses a connection at once: a bare 503 where that costs nothing, then close. */
function shed(conn: RawConn, answer: boolean): void {
  if (!answer) {
    try {
      conn.close();
    } catch { /* gone */ }
    return;
  }
  conn.write(SHED_RESPONSE).catch(() => 0).finally(() => {
    try {
      conn.close();
    } catch { /* gone */ }
  });
}

function isOutOfDescriptors(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === "EMFILE" || code === "ENFILE" ||
    /too many open files/i.test((e as Error)?.message ?? "");
}
