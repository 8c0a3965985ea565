/**
 * `PeerRate`: the one rate limit of everything a peer sends on a WebSocket,
 * by frames (every kind: messages, fragments, pings, pongs, closes) and by
 * bytes (charged as they are read, before any frame is whole, so a flood of
 * large undecodable frames is limited as fast as a flood of small ones).
 * A frame taken while either bucket is empty is a violation; `maxViolations`
 * of them within `VIOLATION_WINDOW_MS` close the connection 4029. Time is
 * passed in, so it is tested without clocks.
 * @module
 */

/** The window in which violations are counted toward the 4029 close. */
export const VIOLATION_WINDOW_MS = 10_000;
/** Bytes a second a peer may send per frame a second of its frame rate. */
export const BYTES_PER_FRAME = 4096;

/** The limits of a `PeerRate`. */
export interface PeerRateLimits {
  /** Frames a second, sustained. */
  readonly framesPerSec: number;
  /** Frames at once above the rate. */
  readonly framesBurst: number;
  /** Bytes a second, sustained. */
  readonly bytesPerSec: number;
  /** Bytes at once above the rate. */
  readonly bytesBurst: number;
  /** Violations within the window that close the connection 4029. */
  readonly maxViolations: number;
}

/**
 * The limits from the configured frame rate: bytes at `BYTES_PER_FRAME` per
 * frame, and a byte burst that always admits a few messages of the largest size.
 * @param framesPerSec `RATE_LIMIT_PER_SEC`
 * @param framesBurst `RATE_LIMIT_BURST`
 * @param maxMessageBytes `MAX_MESSAGE_BYTES`
 * @param maxViolations violations within 10 s that close 4029 (default 50)
 * @returns the limits
 */
export function peerRateLimits(
  framesPerSec: number,
  framesBurst: number,
  maxMessageBytes: number,
  maxViolations = 50,
): PeerRateLimits {
  return {
    framesPerSec,
    framesBurst,
    bytesPerSec: Math.max(framesPerSec * BYTES_PER_FRAME, 2 * maxMessageBytes),
    bytesBurst: Math.max(framesBurst * BYTES_PER_FRAME, 4 * maxMessageBytes),
    maxViolations,
  };
}

/** One peer's frame and byte buckets and its violations. */
export class PeerRate {
  /** The limits in force. */
  readonly limits: PeerRateLimits;
  #frames: number;
  #bytes: number;
  #last: number;
  #violations = 0;
  #windowStart: number;

  /**
   * Creates full buckets.
   * @param limits the limits
   * @param now the current time (ms)
   */
  constructor(limits: PeerRateLimits, now: number) {
    this.limits = limits;
    this.#frames = limits.framesBurst;
    this.#bytes = limits.bytesBurst;
    this.#last = now;
    this.#windowStart = now;
  }

  /** Violations in the current window. */
  get violations(): number {
    return this.#violations;
  }

  /**
   * Charges bytes read from the peer. The byte bucket may go into debt (down
   * to minus its burst): frames are refused until it is paid back.
   * @param n bytes read
   * @param now the current time (ms)
   */
  chargeBytes(n: number, now: number): void {
    this.#refill(now);
    this.#bytes = Math.max(-this.limits.bytesBurst, this.#bytes - n);
  }

  /**
   * Takes one frame's token.
   * @param now the current time (ms)
   * @returns false when the peer is over its rate (by frames or by bytes)
   */
  take(now: number): boolean {
    this.#refill(now);
    if (this.#frames < 1 || this.#bytes < 0) return false;
    this.#frames -= 1;
    return true;
  }

  /**
   * Counts a frame refused for the rate.
   * @param now the current time (ms)
   * @param max violations within the window that close (default: the limits')
   * @returns true when the connection should now be closed 4029
   */
  violation(now: number, max: number = this.limits.maxViolations): boolean {
    if (now - this.#windowStart > VIOLATION_WINDOW_MS) {
      this.#windowStart = now;
      this.#violations = 0;
    }
    this.#violations++;
    return this.#violations >= max;
  }

  #refill(now: number): void {
    const elapsed = Math.max(0, now - this.#last) / 1000;
    this.#last = now;
    const l = this.limits;
    this.#frames = Math.min(l.framesBurst, this.#frames + elapsed * l.framesPerSec);
    this.#bytes = Math.min(l.bytesBurst, this.#bytes + elapsed * l.bytesPerSec);
  }
}
