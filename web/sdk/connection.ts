/**
 * One WebSocket of the client, below the `Connector`'s policy: the record of
 * its timers and its `WELCOME`, the hello that opens it, the frames it
 * carries, sending on it, and letting it go.
 * @module
 */
import type { WelcomeFrame } from "../../src/protocol/frames.ts";
import type { Position } from "./sequencer.ts";
import type { WebSocketLike } from "./socket.ts";
import type { TimerHandle, Timers } from "./timers.ts";

/** The `id` of the hello (`CL`): an `ERROR` with it answers the hello, not a request. */
export const HELLO_ID = "hello";

/** One WebSocket, its heartbeat and watchdog timers, and its `WELCOME` once received. */
export interface Connection {
  readonly ws: WebSocketLike;
  welcome: WelcomeFrame | null;
  heartbeat: TimerHandle | null;
  watchdog: TimerHandle | null;
}

/**
 * The hello (`CL`) that opens a connection.
 * @param token the token for this connection
 * @param position where to resume from, or null for a snapshot
 * @returns the frame's text
 */
export function helloText(token: string, position: Position | null): string {
  const resume = position ? { resume: { epoch: position.epoch, last_seq: position.seq } } : {};
  return JSON.stringify({ type: "CL", id: HELLO_ID, token, ...resume });
}

/**
 * A message as a frame: already parsed (by a socket that parses off the
 * caller's thread), else parsed from its text.
 * @param data the message's `data`
 * @param parsed the message's `frame`, when the socket parsed it
 * @returns the frame (what `JSON.parse` gave), or undefined for no text or text that is not JSON
 */
export function parseFrame(data: unknown, parsed?: unknown): Record<string, unknown> | undefined {
  let frame: Record<string, unknown>;
  if (typeof parsed === "object" && parsed !== null) frame = parsed as Record<string, unknown>;
  else if (typeof data !== "string") return;
  else {
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
  }
  return frame;
}

/**
 * Sends a frame's text, if the socket takes it.
 * @param conn the connection
 * @param text the frame's text
 */
export function trySend(conn: Connection, text: string): void {
  try {
    conn.ws.send(text);
  } catch { /* the close that follows handles it */ }
}

/**
 * Lets a connection go: its socket's handlers and its timers are removed, so
 * nothing it does reaches the client any more.
 * @param conn the connection
 * @param timers the time source its timers were set with
 */
export function detach(conn: Connection, timers: Timers): void {
  conn.ws.onopen =
    conn.ws.onmessage =
    conn.ws.onclose =
    conn.ws.onerror =
      null;
  if (conn.heartbeat !== null) timers.clearInterval(conn.heartbeat);
  if (conn.watchdog !== null) timers.clearTimeout(conn.watchdog);
  conn.heartbeat = conn.watchdog = null;
}
