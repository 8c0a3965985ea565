/**
 * Structured logging: one JSON line per event worth knowing, filtered by
 * `LOG_LEVEL`. Callers pass fields, never tokens or frame bodies.
 * @module
 */
import { LOG_LEVELS, type LogLevel } from "../config.ts";

/** Fields of a log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/** A structured logger. */
export interface Logger {
  /** Logs at `debug`. */
  debug(msg: string, fields?: LogFields): void;
  /** Logs at `info`. */
  info(msg: string, fields?: LogFields): void;
  /** Logs at `warn`. */
  warn(msg: string, fields?: LogFields): void;
  /** Logs at `error`. */
  error(msg: string, fields?: LogFields): void;
}

/**
 * Creates a logger writing JSON lines to stderr.
 * @param level the least severe level written
 * @param write where lines go (stderr by default)
 * @returns the logger
 */
export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => console.error(line),
): Logger {
  const min = LOG_LEVELS.indexOf(level);
  const at = (lvl: LogLevel) => (msg: string, fields?: LogFields) => {
    if (LOG_LEVELS.indexOf(lvl) < min) return;
    write(JSON.stringify({ ts: new Date().toISOString(), level: lvl, msg, ...fields }, errorSafe));
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

function errorSafe(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** A logger that writes nothing (for tests). */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
