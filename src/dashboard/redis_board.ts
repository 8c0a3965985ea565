/**
 * `RedisBoard`: figures in one Redis hash per event log (a field per node),
 * each record signed with a key derived from `AUTH_SECRET`, so a record
 * written by anyone else is dropped (and counted) instead of shown.
 * @module
 */
import { Redis } from "ioredis";
import { reconnectDelay } from "../broker/redis_broker.ts";
import type { Logger } from "../logging/logger.ts";
import type { FiguresBoard } from "./figures_board.ts";
import { FORGET_AFTER_MS } from "./figures_board.ts";
import { type NodeFigures, parseNodeFigures } from "./figures.ts";

/** Options of a `RedisBoard`. */
export interface RedisBoardOptions {
  /** The Redis server (`REDIS_URL`). */
  readonly url: string;
  /** The event log's epoch: names the hash. */
  readonly epoch: string;
  /** The server's `AUTH_SECRET` (the signing key is derived from it). */
  readonly secret: string;
  /** Where Redis trouble is reported. */
  readonly logger: Logger;
  /** Longest wait for one command (ms, default 1000). */
  readonly commandTimeoutMs?: number;
}

const encoder = new TextEncoder();

/** The hash holding every node's record for one log. */
export function figuresKey(epoch: string): string {
  return `wsserver:nodes:${epoch}`;
}

const hex = (bytes: ArrayBuffer) =>
  [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");

/**
 * The signing key: HMAC-SHA256 of a fixed label under `AUTH_SECRET`, so it
 * differs from every other use of the secret.
 * @param secret the server's secret
 * @returns the key
 */
export async function figuresKeyFromSecret(secret: string): Promise<CryptoKey> {
  const root = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const derived = await crypto.subtle.sign(
    "HMAC",
    root,
    encoder.encode("review-hub node figures v1"),
  );
  return crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

/**
 * Signs a record: `<hex mac>.<json>`.
 * @param key the signing key
 * @param json the record's JSON text
 * @returns the signed record
 */
export async function signRecord(key: CryptoKey, json: string): Promise<string> {
  return `${hex(await crypto.subtle.sign("HMAC", key, encoder.encode(json)))}.${json}`;
}

/**
 * Verifies a signed record.
 * @param key the signing key
 * @param record what was read
 * @returns the JSON text, or null when the signature does not match
 */
export async function verifyRecord(key: CryptoKey, record: string): Promise<string | null> {
  const dot = record.indexOf(".");
  const mac = record.slice(0, dot);
  if (dot !== 64 || !/^[0-9a-f]{64}$/.test(mac)) return null;
  const json = record.slice(dot + 1);
  const bytes = new Uint8Array(mac.match(/../g)!.map((b) => parseInt(b, 16)));
  return await crypto.subtle.verify("HMAC", key, bytes, encoder.encode(json)) ? json : null;
}

/** The figures board in Redis. */
export class RedisBoard implements FiguresBoard {
  readonly #key: string;
  readonly #conn: Redis;
  readonly #signing: Promise<CryptoKey>;
  readonly #logger: Logger;
  readonly #commandTimeoutMs: number;
  #rejected = 0;
  #closed = false;

  /** Creates the connection (it connects at once, in the background). @param o where and how */
  constructor(o: RedisBoardOptions) {
    this.#key = figuresKey(o.epoch);
    this.#logger = o.logger;
    this.#signing = figuresKeyFromSecret(o.secret);
    this.#commandTimeoutMs = o.commandTimeoutMs ?? 1000;
    this.#conn = new Redis(o.url, {
      lazyConnect: true,
      connectTimeout: 2000,
      connectionName: "wsserver-figures",
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: this.#commandTimeoutMs,
      retryStrategy: (times: number) => reconnectDelay(times, 2000),
    });
    this.#conn.on("error", (error: Error) => this.#logger.debug("figures redis", { error }));
    this.#conn.connect().catch(() => {/* retried by ioredis; publishes fall back meanwhile */});
  }

  /** Records dropped for a bad signature or shape, since the start. */
  get rejected(): number {
    return this.#rejected;
  }

  /** Waits (briefly) for a connection still being made, so the first publish is not lost to it. */
  async #connected(): Promise<void> {
    const status = this.#conn.status;
    if (status !== "wait" && status !== "connecting" && status !== "connect") return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onReady = () => {};
    await new Promise<void>((resolve) => {
      onReady = resolve;
      this.#conn.once("ready", onReady);
      timer = setTimeout(resolve, this.#commandTimeoutMs);
    });
    clearTimeout(timer);
    this.#conn.off("ready", onReady);
  }

  /** Writes this node's field, and keeps the hash alive for a while. */
  async publish(figures: NodeFigures): Promise<void> {
    await this.#connected();
    const record = await signRecord(await this.#signing, JSON.stringify(figures));
    const results = await this.#conn.multi()
      .hset(this.#key, figures.node, record)
      .pexpire(this.#key, FORGET_AFTER_MS)
      .exec();
    const failed = results === null
      ? new Error("transaction aborted")
      : results.find(([e]) => e)?.[0];
    if (failed) throw failed;
  }

  /** Reads every field; drops forged and stale ones (deleting the long-dead). */
  async read(since: number): Promise<NodeFigures[]> {
    await this.#connected();
    const all = await this.#conn.hgetall(this.#key);
    const key = await this.#signing;
    const out: NodeFigures[] = [];
    const dead: string[] = [];
    for (const [field, record] of Object.entries(all)) {
      const json = await verifyRecord(key, record);
      const figures = json === null ? null : parseNodeFigures(json);
      if (figures === null || figures.node !== field) {
        this.#rejected++;
        this.#logger.warn("figures record with a bad signature or shape dropped", { field });
        continue;
      }
      if (figures.updated_at >= since) out.push(figures);
      else if (figures.updated_at < since - FORGET_AFTER_MS) dead.push(field);
    }
    if (dead.length > 0) await this.#conn.hdel(this.#key, ...dead).catch(() => {});
    return out;
  }

  /** Closes the connection; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#conn.quit().catch(() => this.#conn.disconnect());
  }
}
