/**
 * The resume position and the rule that keeps events contiguous
 * (PROTOCOL.md §3.3): an event is applied only when its `seq` is the next one.
 * @module
 */

/** Where a client stands in one event log. */
export interface Position {
  /** The log's name, from `WELCOME.epoch`. */
  readonly epoch: string;
  /** The last contiguous `seq` applied. */
  readonly seq: number;
}

/**
 * What to do with an incoming event:
 * - `apply`: it is the next one;
 * - `duplicate`: already applied (a replay overlap or a repeated delivery): drop it;
 * - `gap`: one or more events are missing: reconnect from the last contiguous `seq`.
 */
export type SeqVerdict = "apply" | "duplicate" | "gap";

/**
 * Judges an event's `seq` against the last contiguous one.
 * @param last the last contiguous `seq` applied
 * @param seq the incoming event's `seq`
 * @returns the verdict
 */
export function judgeSeq(last: number, seq: number): SeqVerdict {
  if (seq <= last) return "duplicate";
  if (seq === last + 1) return "apply";
  return "gap";
}
