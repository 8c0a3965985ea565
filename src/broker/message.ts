/**
 * The broker's wire format: a channel per event log (`epoch`), and a message
 * that carries the `seq` and the event's frame as committed, not re-encoded:
 * `<seq>\n<frame>`. Pure, so malformed input is table-tested.
 * @module
 */
import { asSeq, type Seq } from "../protocol/types.ts";

/** A received event: its position and the frame text exactly as published. */
export interface BrokerMessage {
  readonly seq: Seq;
  readonly frame: string;
}

const SEQ_DIGITS = /^[1-9]\d{0,15}$/;

/**
 * The Redis channel of one event log, so logs of different epochs never cross.
 * @param epoch the log's epoch
 * @returns `wsserver:events:<epoch>`
 */
export function brokerChannel(epoch: string): string {
  return `wsserver:events:${epoch}`;
}

/**
 * Encodes an event for the broker.
 * @param seq the event's position in the log
 * @param frame the `EVENT` frame's JSON text as stored
 * @returns `<seq>\n<frame>`
 */
export function encodeBrokerMessage(seq: Seq, frame: string): string {
  return `${seq}\n${frame}`;
}

/**
 * Decodes a broker message.
 * @param message the message as received
 * @returns the seq and the frame, or `null` when the message is not one of ours
 */
export function decodeBrokerMessage(message: string): BrokerMessage | null {
  const newline = message.indexOf("\n");
  if (newline <= 0) return null;
  const head = message.slice(0, newline);
  const frame = message.slice(newline + 1);
  if (!SEQ_DIGITS.test(head) || frame === "") return null;
  const seq = Number(head);
  return Number.isSafeInteger(seq) ? { seq: asSeq(seq), frame } : null;
}
