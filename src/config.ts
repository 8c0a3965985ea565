/**
 * The only reader of the environment: `.env` in the working directory, then
 * the process environment (which wins), validated into a frozen `Config`.
 * A bad value stops the start with a message naming the variable.
 * @module
 */
import type { PublicationSettings } from "./publication/policy.ts";
import { TRANSPORT_IOS, type TransportIo } from "./transport/raw_conn.ts";

/** Log levels, least to most severe. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
/** A log level. */
export type LogLevel = typeof LOG_LEVELS[number];

/** The validated configuration of one server process. */
export interface Config {
  /** The address to listen on (`WEBSOCKET_HOST`). */
  readonly host: string;
  /** The port to listen on (`WEBSOCKET_PORT`). */
  readonly port: number;
  /** Both set: serve TLS. */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | null;
  /** Why TLS is off although `SSL_CERT_FILE` is set (logged at start), or null. */
  readonly tlsNote: string | null;
  /** MariaDB's address and credentials when `MYSQL_HOST` is set, else null (SQLite). */
  readonly mysql: {
    readonly host: string;
    readonly port: number;
    readonly user: string;
    readonly password: string;
    readonly database: string;
  } | null;
  /** The SQLite file used when MariaDB is not configured (`SQLITE_PATH`). */
  readonly sqlitePath: string;
  /** Empty: development mode. */
  readonly authSecret: string;
  /** Origins allowed to open a WebSocket besides the server's own (`ALLOWED_ORIGINS`). */
  readonly allowedOrigins: readonly string[];
  /** Redis for the cross-process broker (`REDIS_URL`); empty: no broker. */
  readonly redisUrl: string;
  /** The VK API's base URL, access token and version, for fetching post texts. */
  readonly vk: { readonly apiBase: string; readonly token: string; readonly version: string };
  /** The base URL Telegram post pages are fetched from. */
  readonly telegramBase: string;
  /** How long one post fetch may take (ms). */
  readonly postFetchTimeoutMs: number;
  /** How often clients are told to send a frame (`WELCOME.heartbeat_interval_ms`). */
  readonly heartbeatIntervalMs: number;
  /** Silence after which a client is closed 4008 (ms). */
  readonly heartbeatTimeoutMs: number;
  /** How long a connection may take to send `CL` before it is closed 4002 (ms). */
  readonly helloTimeoutMs: number;
  /** The largest frame accepted (bytes); past it the connection closes 1009. */
  readonly maxMessageBytes: number;
  /** How long events stay in the log (hours). */
  readonly eventRetentionHours: number;
  /** The least severe level that is logged (`LOG_LEVEL`). */
  readonly logLevel: LogLevel;
  /** Most simultaneous WebSocket connections (past it, new ones close 1008); null: derived from the open-file limit. */
  readonly maxConnections: number | null;
  /** Most connections not yet welcomed; null: half of `maxConnections`. */
  readonly maxPendingConnections: number | null;
  /** Most connections not yet welcomed from one client address. */
  readonly maxPendingPerAddress: number;
  /** Commands a connection may send per second (token bucket rate). */
  readonly rateLimitPerSec: number;
  /** Token bucket size: the burst a connection may send at once. */
  readonly rateLimitBurst: number;
  /** A socket whose unsent bytes pass this is closed 4009. */
  readonly maxBufferedBytes: number;
  /** Most WebSocket writes issued per event-loop turn (the `WriteScheduler`'s batch). */
  readonly writesPerTurn: number;
  /** How often the log is read for other processes' events (ms). */
  readonly logPollMs: number;
  /** Longest wait for one database answer (query or connection attempt) before `unavailable`. */
  readonly dbTimeoutMs: number;
  /** How long a claim lasts unless its holder renews it. */
  readonly claimLeaseMs: number;
  /** (v1.2) `CLAIM_MAX_PER_USER`: live claims one user may hold. */
  readonly claimMaxPerUser: number;
  /** Set: `/metrics` needs it as a bearer token. */
  readonly metricsToken: string;
  /** (v1.2) A pending reply older than this (minutes) is overdue. */
  readonly slaMinutes: number;
  /** (v1.2) How often pending rows nobody announced are looked for (ms); 0: never. */
  readonly announceScanMs: number;
  /** Server processes sharing the port on this host (`WORKERS`; `auto` = one per core). */
  readonly workers: number;
  /**
   * `TRANSPORT_IO`: which runtime API carries each connection's bytes
   * (`deno`, the default; `node` and `node-listen` are the `node:net`
   * variants measured for issue 18, see `src/transport/raw_conn.ts`).
   */
  readonly transportIo: TransportIo;
  /**
   * `WORKER_INDEX`, set by the supervisor on the processes it starts (1…`workers`);
   * null in the process started by hand (which supervises when `workers` > 1).
   */
  readonly workerIndex: number | null;
  /** Addresses of reverse proxies whose `X-Forwarded-For` names the client. */
  readonly trustedProxies: readonly string[];
  /** (v1.2) `AUTH_ISSUER`: set, tokens must carry this `iss` (and minted ones do). */
  readonly authIssuer: string;
  /** (v1.2) `AUTH_AUDIENCE`: set, tokens' `aud` must include it (and minted ones carry it). */
  readonly authAudience: string;
  /** (v1.2) `MAX_TOKEN_TTL_HOURS`: the longest token lifetime accepted and minted. */
  readonly maxTokenTtlHours: number;
  /** (v1.2) `UNDO_WINDOW_MS`, `PUBLISH_LEASE_MS`, `PUBLISH_RETRY_BASE_MS`, `PUBLISH_MAX_ATTEMPTS`. */
  readonly publication: PublicationSettings;
}

/**
 * Reads the publication pipeline's settings (PROTOCOL.md §7, v1.2).
 * @param src the variables
 * @returns the settings
 * @throws {ConfigError} naming a bad variable
 */
function publicationVars(src: Source): PublicationSettings {
  return Object.freeze({
    undoWindowMs: intVar(src, "UNDO_WINDOW_MS", 10_000, 0, 3_600_000),
    leaseMs: intVar(src, "PUBLISH_LEASE_MS", 60_000, 100, 86_400_000),
    retryBaseMs: intVar(src, "PUBLISH_RETRY_BASE_MS", 30_000, 1, 86_400_000),
    maxAttempts: intVar(src, "PUBLISH_MAX_ATTEMPTS", 5, 1, 100),
  });
}

/** The shortest `AUTH_SECRET` accepted (RFC 7518 §3.2: a key as long as the hash). */
export const MIN_SECRET_LENGTH = 32;

/** (issue 13) The fewest distinct characters an `AUTH_SECRET` must have (32 spaces has one). */
export const MIN_SECRET_DISTINCT = 8;

/**
 * Why a secret of the right length is still refused: blank (whitespace
 * only), or too little variety to be a key (`MIN_SECRET_DISTINCT`), e.g. 32
 * spaces or one character repeated.
 * @param secret the secret
 * @returns the reason, or null when it is acceptable
 */
export function weakSecretReason(secret: string): string | null {
  if (secret.trim() === "") return "is blank (whitespace only)";
  const distinct = new Set(secret).size;
  if (distinct < MIN_SECRET_DISTINCT) {
    return `has only ${distinct} distinct characters; at least ${MIN_SECRET_DISTINCT} are required ` +
      "(use a random secret, e.g. `openssl rand -base64 32`)";
  }
  return null;
}

/** A bad configuration value; the message names the variable and what is allowed. */
export class ConfigError extends Error {
  /** The variable at fault. */
  readonly variable: string;
  /**
   * Creates the error of one invalid variable.
   * @param variable the variable's name
   * @param message what is wrong and what is allowed
   */
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = "ConfigError";
    this.variable = variable;
  }
}

/**
 * Parses the text of a `.env` file: `NAME=value` lines, `#` comments,
 * optional `export `, single- or double-quoted values.
 * @param text the file's text
 * @returns the variables it sets
 */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    // Both groups of the pattern are required, so a match has both.
    const name = m[1]!;
    let value = m[2]!;
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.length >= 2) {
      const end = value.indexOf(quote, 1);
      value = end > 0 ? value.slice(1, end) : value.slice(1);
      if (quote === '"') value = value.replace(/\\n/g, "\n").replace(/\\"/g, '"');
    } else {
      const hash = value.search(/\s#/);
      if (hash >= 0) value = value.slice(0, hash);
      value = value.trim();
    }
    out[name] = value;
  }
  return out;
}

/** Where the variables are read from: the environment, or a parsed `.env` over it. */
export type Source = Readonly<Record<string, string | undefined>>;

function intVar(src: Source, name: string, def: number, min: number, max: number): number {
  const raw = src[name];
  if (raw === undefined || raw.trim() === "") return def;
  const s = raw.trim();
  if (!/^-?\d+$/.test(s)) {
    throw new ConfigError(name, `'${raw}' is not an integer (allowed: ${min}…${max})`);
  }
  const n = Number(s);
  if (n < min || n > max) {
    throw new ConfigError(name, `${n} is out of range (allowed: ${min}…${max})`);
  }
  return n;
}

function optionalInt(src: Source, name: string, min: number, max: number): number | null {
  const raw = src[name];
  return raw === undefined || raw.trim() === "" ? null : intVar(src, name, 0, min, max);
}

function numVar(src: Source, name: string, def: number, min: number, max: number): number {
  const raw = src[name];
  if (raw === undefined || raw.trim() === "") return def;
  const n = Number(raw.trim());
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new ConfigError(name, `'${raw}' is not a number in ${min}…${max}`);
  }
  return n;
}

function strVar(src: Source, name: string, def: string): string {
  const raw = src[name];
  return raw === undefined || raw.trim() === "" ? def : raw.trim();
}

function urlVar(src: Source, name: string, def: string, schemes: readonly string[]): string {
  const value = strVar(src, name, def);
  if (value === "") return value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, `'${value}' is not a URL (allowed: ${schemes.join(", ")})`);
  }
  if (!schemes.includes(url.protocol.replace(/:$/, ""))) {
    throw new ConfigError(name, `'${value}' must use ${schemes.join(" or ")}`);
  }
  return value.replace(/\/+$/, "");
}

function transportIoVar(src: Source): TransportIo {
  const raw = strVar(src, "TRANSPORT_IO", "deno").toLowerCase();
  if (!(TRANSPORT_IOS as readonly string[]).includes(raw)) {
    throw new ConfigError("TRANSPORT_IO", `'${raw}' (allowed: ${TRANSPORT_IOS.join(", ")})`);
  }
  return raw as TransportIo;
}

function workersVar(src: Source): number {
  const raw = strVar(src, "WORKERS", "1").toLowerCase();
  if (raw === "auto") return Math.max(1, navigator.hardwareConcurrency || 1);
  return intVar({ WORKERS: raw }, "WORKERS", 1, 1, 256);
}

/**
 * Validates configuration variables into a frozen `Config`.
 * @param src the variables (environment over `.env`)
 * @returns the configuration
 * @throws {ConfigError} naming the first bad variable
 */
export function parseConfig(src: Source): Config {
  const certFile = strVar(src, "SSL_CERT_FILE", "");
  const keyFile = strVar(src, "SSL_KEY_FILE", "");
  let tls: Config["tls"] = null;
  let tlsNote: string | null = null;
  if (certFile && keyFile) tls = { certFile, keyFile };
  else if (certFile) {
    tlsNote =
      "SSL_CERT_FILE is set without SSL_KEY_FILE (many hosts export it as the CA bundle): serving plain HTTP";
  } else if (keyFile) {
    throw new ConfigError("SSL_KEY_FILE", "is set but SSL_CERT_FILE is not (set both for TLS)");
  }

  const mysqlHost = strVar(src, "MYSQL_HOST", "");
  const mysql = mysqlHost
    ? {
      host: mysqlHost,
      port: intVar(src, "MYSQL_PORT", 3306, 1, 65535),
      user: strVar(src, "MYSQL_USER", "root"),
      password: src.MYSQL_PASSWORD ?? "",
      database: strVar(src, "MYSQL_DB", "wsserver"),
    }
    : null;
  if (mysql && !/^[A-Za-z0-9_$]{1,64}$/.test(mysql.database)) {
    throw new ConfigError("MYSQL_DB", `'${mysql.database}' must be 1–64 of [A-Za-z0-9_$]`);
  }

  const heartbeatIntervalMs = intVar(src, "HEARTBEAT_INTERVAL_MS", 15000, 100, 3_600_000);
  const heartbeatTimeoutMs = intVar(src, "HEARTBEAT_TIMEOUT_MS", 45000, 200, 3_600_000);
  if (heartbeatTimeoutMs <= heartbeatIntervalMs) {
    throw new ConfigError(
      "HEARTBEAT_TIMEOUT_MS",
      `${heartbeatTimeoutMs} must be greater than HEARTBEAT_INTERVAL_MS (${heartbeatIntervalMs})`,
    );
  }

  const logLevel = strVar(src, "LOG_LEVEL", "info").toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError("LOG_LEVEL", `'${logLevel}' (allowed: ${LOG_LEVELS.join(", ")})`);
  }

  const allowedOrigins = strVar(src, "ALLOWED_ORIGINS", "").split(",").map((s) => s.trim())
    .filter(Boolean).map((o) => {
      try {
        const u = new URL(o);
        if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error();
        return u.origin;
      } catch {
        throw new ConfigError("ALLOWED_ORIGINS", `'${o}' is not an http(s) origin`);
      }
    });

  const authSecret = src.AUTH_SECRET ?? "";
  if (authSecret !== "" && authSecret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(
      "AUTH_SECRET",
      `has ${authSecret.length} characters; at least ${MIN_SECRET_LENGTH} are required (RFC 7518 §3.2)`,
    );
  }
  const weak = authSecret === "" ? null : weakSecretReason(authSecret);
  if (weak !== null) throw new ConfigError("AUTH_SECRET", weak);

  const config: Config = {
    // Development mode (no secret) stays on loopback unless told otherwise.
    host: strVar(src, "WEBSOCKET_HOST", authSecret === "" ? "127.0.0.1" : "0.0.0.0"),
    port: intVar(src, "WEBSOCKET_PORT", 8765, 0, 65535),
    tls,
    tlsNote,
    mysql,
    sqlitePath: strVar(src, "SQLITE_PATH", "data/wsserver.sqlite"),
    authSecret,
    allowedOrigins,
    redisUrl: urlVar(src, "REDIS_URL", "", ["redis", "rediss"]),
    vk: {
      apiBase: urlVar(src, "VK_API_BASE", "https://api.vk.com", ["http", "https"]),
      token: strVar(src, "VK_API_TOKEN", ""),
      version: strVar(src, "VK_API_VERSION", "5.199"),
    },
    telegramBase: urlVar(src, "TELEGRAM_BASE", "https://t.me", ["http", "https"]),
    postFetchTimeoutMs: intVar(src, "POST_FETCH_TIMEOUT_MS", 5000, 1, 600_000),
    heartbeatIntervalMs,
    heartbeatTimeoutMs,
    helloTimeoutMs: intVar(src, "HELLO_TIMEOUT_MS", 10000, 50, 3_600_000),
    maxMessageBytes: intVar(src, "MAX_MESSAGE_BYTES", 65536, 1024, 16 * 1024 * 1024),
    eventRetentionHours: numVar(src, "EVENT_RETENTION_HOURS", 24, 0.001, 24 * 365),
    logLevel: logLevel as LogLevel,
    maxConnections: optionalInt(src, "MAX_CONNECTIONS", 1, 10_000_000),
    maxPendingConnections: optionalInt(src, "MAX_PENDING_CONNECTIONS", 1, 10_000_000),
    maxPendingPerAddress: intVar(src, "MAX_PENDING_PER_ADDRESS", 256, 1, 10_000_000),
    rateLimitPerSec: numVar(src, "RATE_LIMIT_PER_SEC", 100, 0.1, 1_000_000),
    rateLimitBurst: intVar(src, "RATE_LIMIT_BURST", 200, 1, 1_000_000),
    maxBufferedBytes: intVar(src, "MAX_BUFFERED_BYTES", 4 * 1024 * 1024, 1024, 1 << 30),
    writesPerTurn: intVar(src, "WRITES_PER_TURN", 100, 1, 100_000),
    logPollMs: intVar(src, "LOG_POLL_MS", 250, 10, 60_000),
    dbTimeoutMs: intVar(src, "DB_TIMEOUT_MS", 5000, 50, 600_000),
    claimLeaseMs: intVar(src, "CLAIM_LEASE_MS", 120_000, 1000, 86_400_000),
    claimMaxPerUser: intVar(src, "CLAIM_MAX_PER_USER", 5, 1, 10_000),
    metricsToken: src.METRICS_TOKEN ?? "",
    slaMinutes: numVar(src, "SLA_MINUTES", 15, 0.01, 525_600),
    announceScanMs: intVar(src, "ANNOUNCE_SCAN_MS", 5000, 0, 86_400_000),
    workers: workersVar(src),
    transportIo: transportIoVar(src),
    workerIndex: optionalInt(src, "WORKER_INDEX", 1, 256),
    trustedProxies: strVar(src, "TRUSTED_PROXIES", "").split(",").map((s) => s.trim())
      .filter(Boolean),
    authIssuer: strVar(src, "AUTH_ISSUER", ""),
    authAudience: strVar(src, "AUTH_AUDIENCE", ""),
    maxTokenTtlHours: numVar(src, "MAX_TOKEN_TTL_HOURS", 720, 0.001, 24 * 366 * 10),
    publication: publicationVars(src),
  };
  if (config.workers > 1 && config.port === 0) {
    throw new ConfigError(
      "WEBSOCKET_PORT",
      `0 (any free port) cannot be shared by WORKERS=${config.workers} processes: choose a port`,
    );
  }
  return Object.freeze(config);
}

/**
 * Reads `.env` (if present in the working directory) and the environment,
 * the environment winning, and validates them.
 * @param envFile path of the `.env` file
 * @returns the configuration
 * @throws {ConfigError} on a bad value
 */
export function loadConfig(envFile = ".env"): Config {
  let fromFile: Record<string, string> = {};
  try {
    fromFile = parseDotenv(Deno.readTextFileSync(envFile));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return parseConfig({ ...fromFile, ...Deno.env.toObject() });
}
