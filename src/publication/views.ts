/**
 * How a publication row is shown: the `publication` object of history and
 * `SNAPSHOT.in_flight` (PROTOCOL.md §2, §3.2), and the `TAKE` job.
 * @module
 */
import type {
  InFlightItem,
  PublicationJob,
  PublicationView,
} from "../protocol/publication_frames.ts";
import type { PublicationRow, TakenJob } from "./store_types.ts";

/**
 * The `publication` object of an approval.
 * @param row the publication row
 * @returns the view; null for a rejection
 */
export function publicationView(row: PublicationRow): PublicationView | null {
  if (row.decision === "rejected" || row.state === "rejected") return null;
  return {
    state: row.state,
    attempts: row.attemptsTaken,
    published_at: row.publishedAt?.toISOString() ?? null,
    url: row.url,
    platform_ref: row.platformRef,
    last_error: row.lastError,
  };
}

/**
 * One item of `SNAPSHOT.in_flight`.
 * @param row a row still held, or an approval not yet published
 * @returns the item; `publication` null while in the window or for a rejection
 */
export function inFlightItem(row: PublicationRow): InFlightItem {
  return {
    response_id: row.responseId,
    status: row.decision,
    decided_by: row.decidedBy,
    decided_at: row.decidedAt.toISOString(),
    undo_until: row.undoUntil.toISOString(),
    publication: row.state === "held" ? null : publicationView(row),
  };
}

/**
 * A job as `TAKE`'s `ACK` carries it.
 * @param job the job taken
 * @returns the wire object
 */
export function jobView(job: TakenJob): PublicationJob {
  return {
    response_id: job.responseId,
    platform: job.platform,
    post_url: job.postUrl,
    text: job.text,
    attempt: job.attempt,
    lease_until: job.leaseUntil.toISOString(),
    maybe_applied: job.maybeApplied,
    decided_by: job.decidedBy,
    decided_at: job.decidedAt.toISOString(),
  };
}
