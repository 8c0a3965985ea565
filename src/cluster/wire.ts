/**
 * The line protocol between the supervisor and its workers, over each
 * worker's stdin (supervisor → worker) and stdout (worker → supervisor). One
 * JSON object per line; JSON escapes every newline, so a line is a message.
 *
 * - supervisor → worker: `init` first (the worker's index, and development
 *   mode's secret, so every worker verifies the others' messages and accepts
 *   the banner's tokens), then `event` lines relayed from the other workers.
 * - worker → supervisor: `up` once it listens, and `event` lines for the
 *   others. Each starts with `CONTROL_MARK` (a byte no log line begins with),
 *   so anything else a worker prints on stdout is passed through as output.
 *
 * The supervisor relays a worker's `event` line to the others byte for byte
 * (only the mark is dropped), so both directions share the `event` format.
 * Pure, so malformed input is table-tested.
 * @module
 */
import { asSeq, type Seq } from "../protocol/types.ts";

/** The first byte of every control line a worker writes (ASCII record separator). */
export const CONTROL_MARK = 0x1e;

/** What the supervisor sends a worker. */
export type ToWorker =
  | {
    readonly t: "init";
    /** 1…`WORKERS`. */
    readonly index: number;
    /** Development mode's secret, shared by the cluster; null when `AUTH_SECRET` is set. */
    readonly secret: string | null;
  }
  | EventMessage;

/** What a worker sends the supervisor. */
export type FromWorker = { readonly t: "up" } | EventMessage;

/** An event published by one worker for the others: its `seq` and its signed payload. */
export interface EventMessage {
  /** The message's tag. */
  readonly t: "event";
  /** The event's position in the log. */
  readonly seq: Seq;
  /** The signed broker payload, relayed byte for byte. */
  readonly payload: string;
}

const encoder = new TextEncoder();

/**
 * Encodes a message for a worker's stdin.
 * @param message the message
 * @returns one line, newline included
 */
export function encodeToWorker(message: ToWorker): Uint8Array {
  return encoder.encode(`${JSON.stringify(message)}\n`);
}

/**
 * Encodes a worker's message for its stdout: the control mark, JSON, newline.
 * @param message the message
 * @returns one line
 */
export function encodeFromWorker(message: FromWorker): Uint8Array {
  return encoder.encode(`\u001e${JSON.stringify(message)}\n`);
}

function parse(line: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? value as Record<string, unknown>
      : null;
  } catch {
    return null;
  }
}

function eventOf(m: Record<string, unknown>): EventMessage | null {
  const { seq, payload } = m;
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq <= 0) return null;
  if (typeof payload !== "string" || payload === "") return null;
  return { t: "event", seq: asSeq(seq), payload };
}

/**
 * Decodes a line a worker read from its stdin (without the newline).
 * @param line the line
 * @returns the message, or null when it is not one
 */
export function decodeToWorker(line: string): ToWorker | null {
  const m = parse(line);
  if (m === null) return null;
  switch (m.t) {
    case "init": {
      const { index, secret } = m;
      if (typeof index !== "number" || !Number.isSafeInteger(index) || index < 1) return null;
      if (secret !== null && (typeof secret !== "string" || secret === "")) return null;
      return { t: "init", index, secret };
    }
    case "event":
      return eventOf(m);
    default:
      return null;
  }
}

/**
 * Decodes a control line of a worker (without the mark and the newline).
 * @param line the line
 * @returns the message, or null when it is not one
 */
export function decodeFromWorker(line: string): FromWorker | null {
  const m = parse(line);
  if (m === null) return null;
  switch (m.t) {
    case "up":
      return { t: "up" };
    case "event":
      return eventOf(m);
    default:
      return null;
  }
}
