/**
 * What `connect` takes: the token (or where to get one for each connection)
 * and the optional seams and bounds of the client.
 * @module
 */
import type { BackoffOptions } from "./backoff.ts";
import type { Position } from "./sequencer.ts";
import type { WebSocketConstructor } from "./socket.ts";
import type { Timers } from "./timers.ts";

/** A token, or a function that gives one (called for every connection attempt). */
export type TokenSource = string | (() => string | Promise<string>);

/** Options of `connect`. */
export interface ClientOptions {
  /** The JWT, or a function called for each connection (so a refused token can be renewed). */
  readonly token: TokenSource;
  /** A WebSocket constructor; default: the global `WebSocket`. */
  readonly WebSocket?: WebSocketConstructor;
  /** Time source; default: the runtime's timers. */
  readonly timers?: Timers;
  /** Uniform random numbers in [0, 1) for the backoff's jitter. */
  readonly random?: () => number;
  /** Backoff bounds; default: first try within 1 s, cap 30 s. */
  readonly backoff?: BackoffOptions;
  /** How long a sent request waits for its reply (ms); default 10000. */
  readonly requestTimeoutMs?: number;
  /** How long a new connection may take to be welcomed (ms); default 10000. */
  readonly connectTimeoutMs?: number;
  /** With a token function: consecutive 4001 closes before giving up; default 3. */
  readonly maxTokenRefusals?: number;
  /** Start from this position (e.g. one a module saved) instead of a snapshot. */
  readonly resume?: Position;
}
