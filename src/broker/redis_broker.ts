/**
 * `RedisBroker`: a `BrokerTransport` over Redis pub/sub, one channel per
 * event log; `SignedBroker` authenticates what it carries. `REDIS_URL` may
 * name a user and password (`redis://user:pass@host:port`, Redis 6 ACL, or
 * `redis://:pass@…` for `requirepass`) and TLS (`rediss://`, the server's
 * certificate checked against Deno's trusted roots; add a private CA with
 * `DENO_CERT`).
 * One publisher connection (no offline queue, a command timeout: a down Redis
 * fails a publish at once instead of buffering without bound) and one
 * subscriber connection (resubscribes by itself after a reconnection). Both
 * reconnect with capped, jittered backoff. Delivery is at most once: what is
 * published while a subscriber is away is lost to it, and the log fills the gap.
 * @module
 */
import { type Clock, systemClock } from "../clock.ts";
import { RateLimitedLog } from "../logging/rate_limited_log.ts";
import { exponentialDelay } from "../async/backoff.ts";
import { deadline } from "../async/deadline.ts";
import { Redis } from "ioredis";
import type { Logger } from "../logging/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { Seq } from "../protocol/types.ts";
import { type BrokerTransport, BrokerUnavailableError, type TransportListener } from "./broker.ts";
import { brokerChannel, decodeBrokerMessage, encodeBrokerMessage } from "./message.ts";

/** (issue 13) The least time between two warn lines about malformed messages (ms). */
export const MALFORMED_LOG_INTERVAL_MS = 10_000;

/** How to reach Redis and how long to wait for it. */
export interface RedisBrokerOptions {
  /** `REDIS_URL`, e.g. `redis://127.0.0.1:6379`, `rediss://user:pass@host:6380`. */
  readonly url: string;
  /** The event log's epoch: names the channel. */
  readonly epoch: string;
  /** Where connection trouble is reported. */
  readonly logger: Logger;
  /** Counters of published and received messages; none when absent. */
  readonly metrics?: Metrics;
  /** Longest wait for `ping` and for one publish, ms (default 1000). */
  readonly commandTimeoutMs?: number;
  /** Longest wait in `start` for the subscription, ms (default 2000). */
  readonly startTimeoutMs?: number;
  /** Cap of the reconnection backoff, ms (default 2000). */
  readonly maxReconnectDelayMs?: number;
  /** Names the connections in `CLIENT LIST` (`<name>-pub`, `<name>-sub`; default `wsserver`). */
  readonly connectionName?: string;
  /** Time, for the rate of warn lines; default the system clock. */
  readonly clock?: Clock;
}

/** Own publications remembered so they are not handed back (bounded). */
const MAX_OWN_REMEMBERED = 10_000;

/**
 * Reconnection delay: exponential from 100 ms, capped, with equal jitter so
 * processes that lost Redis together do not come back in lockstep.
 * @param attempt the attempt number, from 1
 * @param capMs the cap
 * @returns the delay in ms
 */
export function reconnectDelay(attempt: number, capMs: number): number {
  const base = exponentialDelay(attempt - 1, 100, capMs);
  return Math.round(base / 2 + Math.random() * (base / 2));
}

/** Rejects with `BrokerUnavailableError` after `ms` unless `work` settles first. */
function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  return deadline(work, ms, () => new BrokerUnavailableError(message));
}

/** Resolves when the connection is ready; rejects when it fails first. */
function whenReady(conn: Redis): Promise<void> {
  if (conn.status === "ready") return Promise.resolve();
  if (conn.status === "reconnecting" || conn.status === "end" || conn.status === "close") {
    return Promise.reject(new BrokerUnavailableError(`Redis is ${conn.status}`));
  }
  return new Promise((resolve, reject) => {
    const done = (error?: unknown) => {
      conn.off("ready", onReady).off("error", onError).off("end", onError);
      if (error === undefined) resolve();
      else reject(new BrokerUnavailableError("Redis is not reachable", { cause: error }));
    };
    const onReady = () => done();
    const onError = (e?: unknown) => done(e ?? new Error("connection ended"));
    conn.once("ready", onReady).once("error", onError).once("end", onError);
  });
}

/** A transport over Redis pub/sub. */
export class RedisBroker implements BrokerTransport {
  /** Always `redis`. */
  readonly kind = "redis" as const;
  readonly #channel: string;
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #log: Logger;
  readonly #metrics: Metrics | undefined;
  /** (issue 13) One warn line per interval for malformed messages, with how many were held back. */
  readonly #malformedLog: RateLimitedLog;
  readonly #commandTimeoutMs: number;
  readonly #startTimeoutMs: number;
  readonly #own = new Set<number>();
  #onMessage: TransportListener | null = null;
  #started = false;
  #closed = false;
  #publishFailing = false;

  /** Creates the connections (they connect on `start`). @param options where Redis is, the epoch, limits */
  constructor(options: RedisBrokerOptions) {
    this.#channel = brokerChannel(options.epoch);
    this.#log = options.logger;
    this.#metrics = options.metrics;
    this.#malformedLog = new RateLimitedLog(
      options.logger,
      options.clock ?? systemClock,
      MALFORMED_LOG_INTERVAL_MS,
    );
    this.#commandTimeoutMs = options.commandTimeoutMs ?? 1000;
    this.#startTimeoutMs = options.startTimeoutMs ?? 2000;
    const cap = options.maxReconnectDelayMs ?? 2000;
    const name = options.connectionName ?? "wsserver";
    const common = {
      lazyConnect: true,
      connectTimeout: 2000,
      retryStrategy: (times: number) => reconnectDelay(times, cap),
    };
    this.#pub = new Redis(options.url, {
      ...common,
      connectionName: `${name}-pub`,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: this.#commandTimeoutMs,
    });
    this.#sub = new Redis(options.url, {
      ...common,
      connectionName: `${name}-sub`,
      autoResubscribe: true,
      // The SUBSCRIBE of `start` waits for the connection however long it takes.
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
    });
    this.#watch(this.#pub, "publisher");
    this.#watch(this.#sub, "subscriber");
    this.#sub.on("message", (channel: string, message: string) => this.#receive(channel, message));
  }

  /** Logs the first error of an outage and the recovery, not every retry. */
  #watch(conn: Redis, role: string): void {
    let down = false;
    conn.on("error", (error: Error) => {
      if (down || this.#closed) return this.#log.debug("redis error", { role, error });
      down = true;
      this.#log.warn("redis connection lost; reconnecting", { role, error });
    });
    conn.on("ready", () => {
      if (down) this.#log.info("redis connection restored", { role });
      down = false;
    });
  }

  #receive(channel: string, message: string): void {
    if (channel !== this.#channel || this.#onMessage === null) return;
    const decoded = decodeBrokerMessage(message);
    if (decoded === null) {
      this.#metrics?.increment("ws_broker_rejected_total", { reason: "malformed" });
      // Counted each time; said at most once per interval, so a flood is not a log flood.
      this.#malformedLog.warn("malformed", "malformed broker message dropped", {
        chars: message.length,
      });
      return;
    }
    if (this.#own.delete(decoded.seq)) return;
    this.#metrics?.increment("ws_broker_messages_total", { direction: "in" });
    try {
      this.#onMessage(decoded.seq, decoded.payload);
    } catch (error) {
      this.#log.error("broker listener failed", { seq: decoded.seq, error });
    }
  }

  /** Subscribes to the epoch's channel; see `BrokerTransport.start`. @param onMessage the listener */
  async start(onMessage: TransportListener): Promise<void> {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#onMessage = onMessage;
    this.#pub.connect().catch(() => {/* logged by #watch; retried by ioredis */});
    const subscribed = this.#sub.subscribe(this.#channel);
    try {
      await withTimeout(subscribed, this.#startTimeoutMs, "subscription timed out");
    } catch (error) {
      subscribed.catch(() => {});
      this.#log.warn("redis subscription pending; events come from the log meanwhile", {
        error,
      });
    }
  }

  /**
   * Publishes a payload; failures are logged, never thrown.
   * @param seq the event's position
   * @param payload what to carry
   */
  async publish(seq: Seq, payload: string): Promise<void> {
    if (this.#closed) return;
    this.#rememberOwn(seq);
    try {
      await this.#pub.publish(this.#channel, encodeBrokerMessage(seq, payload));
      this.#metrics?.increment("ws_broker_messages_total", { direction: "out" });
      if (this.#publishFailing) this.#log.info("broker publish works again", { seq });
      this.#publishFailing = false;
    } catch (error) {
      this.#own.delete(seq);
      const level = this.#publishFailing ? "debug" : "warn";
      this.#log[level]("broker publish failed; other processes read it from the log", {
        seq,
        error,
      });
      this.#publishFailing = true;
    }
  }

  #rememberOwn(seq: number): void {
    this.#own.add(seq);
    if (this.#own.size > MAX_OWN_REMEMBERED) {
      this.#own.delete(this.#own.values().next().value as number);
    }
  }

  /** Pings Redis; see `BrokerTransport.ping`. @throws {BrokerUnavailableError} */
  async ping(): Promise<void> {
    if (this.#closed) throw new BrokerUnavailableError("the broker is closed");
    if (this.#pub.status === "wait") this.#pub.connect().catch(() => {});
    const answered = whenReady(this.#pub).then(() => this.#pub.ping());
    answered.catch(() => {});
    try {
      await withTimeout(answered, this.#commandTimeoutMs, "Redis did not answer in time");
    } catch (error) {
      throw error instanceof BrokerUnavailableError
        ? error
        : new BrokerUnavailableError("Redis ping failed", { cause: error });
    }
    if (this.#started && this.#sub.status !== "ready") {
      throw new BrokerUnavailableError(`the Redis subscriber is ${this.#sub.status}`);
    }
  }

  /** Closes both connections; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#onMessage = null;
    await Promise.all([closeConnection(this.#pub), closeConnection(this.#sub)]);
  }
}

/** Disconnects without waiting on a down server; waits at most 1 s for the socket to end. */
async function closeConnection(conn: Redis): Promise<void> {
  if (conn.status === "end") return;
  const ended = new Promise<void>((resolve) => conn.once("end", () => resolve()));
  const hadSocket = conn.status !== "reconnecting";
  conn.disconnect(false);
  // Between attempts there is no socket: disconnect() only cancels the next
  // attempt, and no "end" follows.
  if (!hadSocket) return;
  await withTimeout(ended, 1000, "disconnect timed out").catch(() => {
    // A hung server never finishes the close handshake: drop the socket.
    conn.stream?.destroy();
  });
}
