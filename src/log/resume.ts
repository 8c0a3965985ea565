/**
 * The resume rule of PROTOCOL.md §3.3 as a pure function.
 * @module
 */
import type { ResumePosition } from "../protocol/frames.ts";

/** What the server knows when a client asks to resume. */
export interface LogPosition {
  /** This log's epoch. */
  readonly epoch: string;
  /** The head the `WELCOME` reports. */
  readonly head: number;
  /** The smallest seq still in the log, `null` when it is empty. */
  readonly oldest: number | null;
}

/**
 * Whether a client can resume from its position, or needs a snapshot.
 * It resumes when the epoch matches, `last_seq ≤ head`, and every event after
 * `last_seq` is still in the log.
 * @param log the log's position
 * @param resume the client's position, if it sent one
 * @returns `"resume"` or `"snapshot"`
 */
export function decideResume(
  log: LogPosition,
  resume: ResumePosition | undefined,
): "resume" | "snapshot" {
  if (!resume || resume.epoch !== log.epoch) return "snapshot";
  if (resume.last_seq > log.head) return "snapshot";
  if (resume.last_seq === log.head) return "resume";
  return log.oldest !== null && log.oldest <= resume.last_seq + 1 ? "resume" : "snapshot";
}
