/**
 * `RateLimitedLog`: at most one line per key per interval, with the count of
 * the lines it held back, so a flood (connections shed, accepts failing)
 * costs one log line every few seconds instead of one per event.
 * @module
 */
import type { Clock } from "../clock.ts";
import type { LogFields, Logger } from "./logger.ts";

/** A logger that says each kind of thing at most once per interval. */
export class RateLimitedLog {
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #last = new Map<string, { at: number; suppressed: number }>();

  /**
   * Creates a limiter in front of a logger.
   * @param logger where lines go
   * @param clock time
   * @param intervalMs the least time between two lines of one key
   */
  constructor(logger: Logger, clock: Clock, intervalMs: number) {
    this.#logger = logger;
    this.#clock = clock;
    this.#intervalMs = intervalMs;
  }

  /**
   * Logs at `warn` unless this key was logged within the interval.
   * @param key what kind of thing this is
   * @param msg the message
   * @param fields its fields
   * @returns whether the line was written
   */
  warn(key: string, msg: string, fields: LogFields = {}): boolean {
    const now = this.#clock.now();
    const last = this.#last.get(key);
    if (last && now - last.at < this.#intervalMs) {
      last.suppressed++;
      return false;
    }
    const suppressed = last?.suppressed ?? 0;
    if (this.#last.size > 1000) this.#last.clear();
    this.#last.set(key, { at: now, suppressed: 0 });
    this.#logger.warn(msg, suppressed > 0 ? { ...fields, suppressed } : fields);
    return true;
  }
}
