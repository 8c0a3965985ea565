/**
 * Presence through Redis, with the database as the fallback: `RedisPresence`
 * keeps one field per process in a hash (`wsserver:presence:<epoch>`), each
 * value signed with a key derived from `AUTH_SECRET` (a value that fails is
 * dropped) and stamped with its writer's time; `FallbackPresence` writes
 * there while Redis answers and to `ws_presence` otherwise, and reads both,
 * so processes that see Redis differently still see each other. Redis is
 * never required.
 * @module
 */
import { exponentialDelay } from "../async/backoff.ts";
import { Redis } from "ioredis";
import type { Clock } from "../clock.ts";
import type { Logger } from "../logging/logger.ts";
import type { PresenceTransport, SharedReport } from "./transport.ts";

const encoder = new TextEncoder();

async function hmacKey(secret: string): Promise<CryptoKey> {
  // A key of its own for presence, derived from AUTH_SECRET, never the secret itself.
  const derived = await crypto.subtle.digest(
    "SHA-256",
    encoder.encode(`wsserver presence v1\n${secret}`),
  );
  return crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

/**
 * What a value's signature covers (issue 13): the hash and the field it is
 * stored under as well as the value, so a value copied under another
 * process's field (or into another epoch's hash) fails its signature instead
 * of being replayed as that process's report.
 * @param hashKey the hash (`wsserver:presence:<epoch>`)
 * @param field the field (the writer's process id)
 * @param body the stamped report
 * @returns the bytes signed
 */
export function signedText(
  hashKey: string,
  field: string,
  body: string,
): Uint8Array<ArrayBuffer> {
  return encoder.encode(`${hashKey}\n${field}\n${body}`);
}

const toHex = (b: ArrayBuffer) =>
  [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("");
const fromHex = (s: string) => new Uint8Array((s.match(/../g) ?? []).map((h) => parseInt(h, 16)));

/** Options of `RedisPresence`. */
export interface RedisPresenceOptions {
  /** The Redis server (`REDIS_URL`). */
  readonly url: string;
  /** The event log's epoch: reports of another log are not read. */
  readonly epoch: string;
  /** This process's id, the key of its report. */
  readonly processId: string;
  /** Signs and verifies the values (`AUTH_SECRET`). */
  readonly secret: string;
  /** Time, for the reports' age. */
  readonly clock: Clock;
  /** Where Redis trouble is reported. */
  readonly logger: Logger;
  /** A report older than this is a process that died (ms). */
  readonly staleMs: number;
  /** Longest wait for one command (ms); default 500. */
  readonly commandTimeoutMs?: number;
}

/** Presence in a Redis hash. */
export class RedisPresence implements PresenceTransport {
  /** Always `redis`. */
  readonly kind = "redis";
  readonly #o: RedisPresenceOptions;
  readonly #key: string;
  readonly #redis: Redis;
  readonly #hmac: Promise<CryptoKey>;

  /**
   * Creates the transport; it connects on first use.
   * @param options where Redis is, this process, the secret and the staleness
   */
  constructor(options: RedisPresenceOptions) {
    this.#o = options;
    this.#key = `wsserver:presence:${options.epoch}`;
    this.#hmac = hmacKey(options.secret);
    this.#redis = new Redis(options.url, {
      lazyConnect: true,
      connectTimeout: 1000,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 500,
      connectionName: "wsserver-presence",
      retryStrategy: (times: number) => exponentialDelay(times, 100, 2000),
    });
    this.#redis.on("error", (e) => options.logger.debug("presence redis error", { error: e }));
  }

  async #ready(): Promise<Redis> {
    if (this.#redis.status === "wait") await this.#redis.connect();
    if (this.#redis.status !== "ready") throw new Error(`Redis is ${this.#redis.status}`);
    return this.#redis;
  }

  /** Sets this process's field, signed, with the time now. */
  async write(users: string): Promise<void> {
    const body = JSON.stringify({ users, at: this.#o.clock.now() });
    const mac = await crypto.subtle.sign(
      "HMAC",
      await this.#hmac,
      signedText(this.#key, this.#o.processId, body),
    );
    const redis = await this.#ready();
    await redis.multi()
      .hset(this.#key, this.#o.processId, `${toHex(mac)}.${body}`)
      .pexpire(this.#key, 10 * this.#o.staleMs)
      .exec();
  }

  /**
   * Never: a value's time is signed with its report, so proving the process
   * alive is writing the report again.
   * @returns false
   */
  touch(): Promise<boolean> {
    return Promise.resolve(false);
  }

  /** The other fields whose signature holds and whose time is younger than the staleness. */
  async read(): Promise<SharedReport[]> {
    const redis = await this.#ready();
    const all = await redis.hgetall(this.#key);
    const oldest = this.#o.clock.now() - this.#o.staleMs;
    const out: SharedReport[] = [];
    const stale: string[] = [];
    for (const [processId, value] of Object.entries(all)) {
      if (processId === this.#o.processId) continue; // its own, which the reader has in memory
      const dot = value.indexOf(".");
      const body = value.slice(dot + 1);
      const ok = dot === 64 &&
        await crypto.subtle.verify(
          "HMAC",
          await this.#hmac,
          fromHex(value.slice(0, dot)),
          signedText(this.#key, processId, body),
        );
      if (!ok) {
        this.#o.logger.debug("presence value failed its signature", { processId });
        continue;
      }
      const { users, at } = JSON.parse(body) as { users: string; at: number };
      if (at >= oldest) out.push({ processId, users });
      else stale.push(processId);
    }
    if (stale.length > 0) await redis.hdel(this.#key, ...stale);
    return out;
  }

  /** Deletes this process's field and closes the connection. */
  async remove(): Promise<void> {
    try {
      if (this.#redis.status === "ready") await this.#redis.hdel(this.#key, this.#o.processId);
    } finally {
      this.#redis.disconnect();
    }
  }
}

/** Redis while it answers, the database otherwise; reads both. */
export class FallbackPresence implements PresenceTransport {
  /** `redis+database`. */
  readonly kind = "redis+database";
  readonly #redis: PresenceTransport;
  readonly #db: PresenceTransport;
  readonly #logger: Logger;
  #usingDb = false;

  /**
   * Creates a transport that uses Redis while it answers and the database otherwise.
   * @param redis the preferred transport
   * @param db the fallback
   * @param logger where a switch is reported
   */
  constructor(redis: PresenceTransport, db: PresenceTransport, logger: Logger) {
    this.#redis = redis;
    this.#db = db;
    this.#logger = logger;
  }

  /** Writes to Redis; when it does not answer, to the database. */
  async write(users: string): Promise<void> {
    try {
      await this.#redis.write(users);
      if (this.#usingDb) {
        this.#usingDb = false;
        this.#logger.info("presence through Redis again");
        await this.#db.remove().catch(() => {});
      }
    } catch (e) {
      if (!this.#usingDb) this.#logger.warn("presence through the database", { error: e });
      this.#usingDb = true;
      await this.#db.write(users);
    }
  }

  /**
   * Never: each write is also how it finds Redis answering again, so the
   * report is written whole every time.
   * @returns false
   */
  touch(): Promise<boolean> {
    return Promise.resolve(false);
  }

  /** Both sources, one report per process (Redis's when both have one). */
  async read(): Promise<SharedReport[]> {
    const [fromRedis, fromDb] = await Promise.allSettled([this.#redis.read(), this.#db.read()]);
    if (fromRedis.status === "rejected" && fromDb.status === "rejected") throw fromDb.reason;
    const byProcess = new Map<string, SharedReport>();
    if (fromDb.status === "fulfilled") {
      for (const r of fromDb.value) {
        byProcess.set(r.processId, r);
      }
    }
    if (fromRedis.status === "fulfilled") {
      for (const r of fromRedis.value) byProcess.set(r.processId, r);
    }
    return [...byProcess.values()];
  }

  /** Withdraws this process's report from both. */
  async remove(): Promise<void> {
    await Promise.allSettled([this.#redis.remove(), this.#db.remove()]);
  }
}
