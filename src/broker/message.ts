/**
 * The transport's wire format: a channel per event log (`epoch`), and a
 * message that carries the `seq` and a payload (for `SignedBroker`, the tag
 * and the event's frame as committed, not re-encoded): `<seq>\n<payload>`.
 * Pure, so malformed input is table-tested.
 * @module
 */
import { asSeq, type Seq } from "../protocol/types.ts";

/** A received message: the position it names and the payload exactly as published. */
export interface BrokerMessage {
  /** The log position the message carries. */
  readonly seq: Seq;
  /** The payload, byte for byte as it was published. */
  readonly payload: string;
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
 * Encodes a message for the transport.
 * @param seq the event's position in the log
 * @param payload what to carry
 * @returns `<seq>\n<payload>`
 */
export function encodeBrokerMessage(seq: Seq, payload: string): string {
  return `${seq}\n${payload}`;
}

/**
 * Decodes a broker message.
 * @param message the message as received
 * @returns the seq and the payload, or `null` when the message is not one of ours
 */
export function decodeBrokerMessage(message: string): BrokerMessage | null {
  const newline = message.indexOf("\n");
  if (newline <= 0) return null;
  const head = message.slice(0, newline);
  const payload = message.slice(newline + 1);
  if (!SEQ_DIGITS.test(head) || payload === "") return null;
  const seq = Number(head);
  return Number.isSafeInteger(seq) ? { seq: asSeq(seq), payload } : null;
}
