/**
 * `RevocationBus`: news of a revocation between processes over Redis
 * pub/sub (`wsserver:revocations:<epoch>`), so every process closes the
 * user's connections at once instead of at its next database poll. Each
 * message is `<hex HMAC>.<{"user","at"}>`, signed with a key derived from
 * `AUTH_SECRET` (never the secret itself); one that fails is dropped. A
 * replayed message can only re-apply a revocation already stored, and
 * `RevocationList.record` never moves a moment earlier, so replays are
 * harmless. The bus is a hint: the database is the truth, polled anyway.
 * @module
 */
import { Redis } from "ioredis";
import { exponentialDelay } from "../async/backoff.ts";
import type { Logger } from "../logging/logger.ts";
import { MAX_REVOKED_USER_LENGTH } from "../store/sql_revocations.ts";
import type { Revocation } from "./revocations.ts";

const encoder = new TextEncoder();
/** Longest message looked at; a real one is under 400 bytes. */
const MAX_MESSAGE_CHARS = 2048;

/** Receives a verified revocation. */
export interface RevocationListener {
  /** Called for each revocation another process announced. */
  onRevocation(revocation: Revocation): void;
}

/** Where the bus connects and what it signs with. */
export interface RevocationBusOptions {
  /** `REDIS_URL`. */
  readonly url: string;
  /** The event log's epoch: processes of another log are not heard. */
  readonly epoch: string;
  /** `AUTH_SECRET` (or development mode's secret). */
  readonly secret: string;
  /** Where Redis trouble is reported. */
  readonly logger: Logger;
}

async function busKey(secret: string): Promise<CryptoKey> {
  const derived = await crypto.subtle.digest(
    "SHA-256",
    encoder.encode(`wsserver revocations v1\n${secret}`),
  );
  return crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

const toHex = (b: ArrayBuffer) =>
  [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("");
const fromHex = (s: string) => new Uint8Array((s.match(/../g) ?? []).map((h) => parseInt(h, 16)));

/**
 * Reads a message's body once its signature held.
 * @param body the JSON after the tag
 * @returns the revocation, or null when the body is not one
 */
export function parseRevocationBody(body: string): Revocation | null {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return null;
  }
  if (typeof v !== "object" || v === null) return null;
  const { user, at } = v as Record<string, unknown>;
  if (typeof user !== "string" || user === "" || user.length > MAX_REVOKED_USER_LENGTH) return null;
  if (typeof at !== "number" || !Number.isSafeInteger(at) || at <= 0) return null;
  return { user, revokedAt: at };
}

/** Signed revocation news over Redis pub/sub. */
export class RevocationBus {
  readonly #o: RevocationBusOptions;
  readonly #channel: string;
  readonly #key: Promise<CryptoKey>;
  readonly #pub: Redis;
  readonly #sub: Redis;

  /**
   * Creates the bus; `start()` subscribes.
   * @param options Redis, the epoch, the secret and the logger
   */
  constructor(options: RevocationBusOptions) {
    this.#o = options;
    this.#channel = `wsserver:revocations:${options.epoch}`;
    this.#key = busKey(options.secret);
    const connection = (name: string) => {
      const conn = new Redis(options.url, {
        lazyConnect: true,
        connectTimeout: 1000,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: 1000,
        connectionName: `wsserver-revocations-${name}`,
        retryStrategy: (times: number) => exponentialDelay(times, 100, 2000),
      });
      conn.on("error", (e) => options.logger.debug("revocation bus error", { error: e }));
      return conn;
    };
    this.#pub = connection("pub");
    this.#sub = connection("sub");
  }

  /**
   * Subscribes; a Redis that does not answer now is retried in the background.
   * @param listener hears each verified revocation
   */
  async start(listener: RevocationListener): Promise<void> {
    this.#sub.on("message", (channel: string, message: string) => {
      if (channel === this.#channel) void this.#receive(message, listener);
    });
    // ioredis resubscribes by itself after a reconnection; only the first attempt is ours.
    this.#sub.on("ready", () => void this.#sub.subscribe(this.#channel).catch(() => {}));
    // The publisher connects now, so the first revocation does not wait for it.
    this.#pub.connect().catch(() => {});
    await this.#sub.connect().catch((e) =>
      this.#o.logger.warn("revocation bus not subscribed yet (the database poll covers)", {
        error: e,
      })
    );
  }

  /**
   * Announces a revocation; a failure is logged, never thrown (the poll covers it).
   * @param revocation the stored revocation
   */
  async publish(revocation: Revocation): Promise<void> {
    try {
      const body = JSON.stringify({ user: revocation.user, at: revocation.revokedAt });
      const tag = await crypto.subtle.sign("HMAC", await this.#key, encoder.encode(body));
      if (this.#pub.status === "wait") await this.#pub.connect();
      await this.#pub.publish(this.#channel, `${toHex(tag)}.${body}`);
    } catch (e) {
      this.#o.logger.warn("revocation not announced on Redis (the database poll covers)", {
        error: e,
      });
    }
  }

  async #receive(message: string, listener: RevocationListener): Promise<void> {
    if (message.length > MAX_MESSAGE_CHARS) return;
    const dot = message.indexOf(".");
    if (dot !== 64) return;
    const body = message.slice(dot + 1);
    const ok = await crypto.subtle.verify(
      "HMAC",
      await this.#key,
      fromHex(message.slice(0, dot)),
      encoder.encode(body),
    );
    if (!ok) {
      this.#o.logger.debug("revocation message failed its signature");
      return;
    }
    const revocation = parseRevocationBody(body);
    if (revocation !== null) listener.onRevocation(revocation);
  }

  /** Closes both connections; idempotent. */
  close(): Promise<void> {
    this.#pub.disconnect();
    this.#sub.disconnect();
    return Promise.resolve();
  }
}
