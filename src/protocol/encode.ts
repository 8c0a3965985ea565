/**
 * Encoding of server frames. Each frame is encoded once; an `EVENT` is encoded
 * in the appending transaction and the same string is stored, replayed and
 * fanned out to every client.
 * @module
 */
import type { EventBody, ServerFrame } from "./frames.ts";
import type { Seq } from "./types.ts";

/**
 * Encodes an `EVENT` frame.
 * @param seq the event's position in the log
 * @param body the event's fields
 * @returns the frame's JSON text
 */
export function encodeEvent(seq: Seq, body: EventBody): string {
  return JSON.stringify({ type: "EVENT", seq, ...body });
}

/**
 * Encodes any server frame.
 * @param frame the frame
 * @returns its JSON text
 */
export function encodeFrame(frame: ServerFrame): string {
  return JSON.stringify(frame);
}
