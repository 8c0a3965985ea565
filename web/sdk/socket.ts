/**
 * The smallest WebSocket surface the client uses, so the browser's, Deno's,
 * Node's (22+) global `WebSocket` or one passed in (e.g. the `ws` package) fit.
 * @module
 */

/** The event a socket passes to `onmessage`. */
export interface MessageLike {
  /** The message: a string for the text frames the server sends. */
  readonly data: unknown;
  /**
   * The message already parsed as JSON, from a socket that parses off the
   * caller's thread (the operator page parses a large `SNAPSHOT` in a
   * worker); when present, `data` is not read.
   */
  readonly frame?: unknown;
}

/** The event a socket passes to `onclose`. */
export interface CloseLike {
  /** The close code (PROTOCOL.md §4 says what each means for the client). */
  readonly code: number;
  /** The close reason, for people. */
  readonly reason: string;
}

/** A WebSocket as the client uses it. */
export interface WebSocketLike {
  /** `1` (OPEN) once frames may be sent. */
  readonly readyState: number;
  /** Sends a text frame. */
  send(data: string): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
  /** Called when the connection opens. */
  onopen: ((ev: unknown) => void) | null;
  /** Called for each message. */
  onmessage: ((ev: MessageLike) => void) | null;
  /** Called once when the connection ends. */
  onclose: ((ev: CloseLike) => void) | null;
  /** Called on an error (a close follows). */
  onerror: ((ev: unknown) => void) | null;
}

/** A WebSocket constructor: `new WebSocket(url)`. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** `readyState` of an open socket. */
export const OPEN = 1;

/**
 * The constructor to use: the one given, else the global `WebSocket`.
 * @param given an injected constructor
 * @returns the constructor
 * @throws {TypeError} when there is none
 */
export function resolveWebSocket(given?: WebSocketConstructor): WebSocketConstructor {
  if (given) return given;
  const global = (globalThis as { WebSocket?: unknown }).WebSocket;
  if (typeof global !== "function") {
    throw new TypeError("no WebSocket here: pass one in the WebSocket option");
  }
  return global as WebSocketConstructor;
}
