/**
 * The frames of v1.2's publication pipeline (PROTOCOL.md §3.1, §3.2, §3.4):
 * the commands `UNDO`, `TAKE`, `PUBLISHED`, `PUBLISH_FAILED`, `RETRY` and
 * the events `reopened`, `queued`, `publishing`, `published`,
 * `publish_failed`, as discriminated unions beside those of `frames.ts`.
 * @module
 */
import type { CommandId } from "./frames.ts";
import type { Platform, ResponseId, SafeHtml, Seq } from "./types.ts";

/** The states of a publication (§3.4), as `bad_state`, history and `in_flight` name them. */
export const PUBLICATION_STATES = ["held", "queued", "publishing", "published", "failed"] as const;
/** A publication's state. */
export type PublicationState = typeof PUBLICATION_STATES[number];
/** The kinds of event the pipeline appends. */
export type PublicationEventKind =
  | "reopened"
  | "queued"
  | "publishing"
  | "published"
  | "publish_failed";

/** `UNDO` (role operator): reopens a decision within its window. */
export interface UndoFrame {
  /** Always `"UNDO"`. */
  readonly type: "UNDO";
  /** The command id, echoed in the answer. */
  readonly id?: CommandId;
  /** The decided response. */
  readonly response_id: ResponseId;
}

/** `RETRY` (role admin): a failed publication goes back to the queue. */
export interface RetryFrame {
  /** Always `"RETRY"`. */
  readonly type: "RETRY";
  /** The command id, echoed in the answer. */
  readonly id?: CommandId;
  /** The failed publication's response. */
  readonly response_id: ResponseId;
}

/** `TAKE` (role module): takes up to `max` due publication jobs under a lease. */
export interface TakeFrame {
  /** Always `"TAKE"`. */
  readonly type: "TAKE";
  /** The command id, echoed in the answer. */
  readonly id?: CommandId;
  /** Only jobs of these platforms; absent: any. */
  readonly platforms?: readonly Platform[];
  /** Most jobs to take, 1–20 (default 1). */
  readonly max: number;
}

/** `PUBLISHED` (role module): an attempt posted the reply. */
export interface PublishedFrame {
  /** Always `"PUBLISHED"`. */
  readonly type: "PUBLISHED";
  /** The command id, echoed in the answer. */
  readonly id?: CommandId;
  /** The response published. */
  readonly response_id: ResponseId;
  /** The attempt that published it. */
  readonly attempt: number;
  /** The platform's id of the reply (≤ 128 characters). */
  readonly platform_ref?: string;
  /** The reply's https URL on the platform's own host (≤ 512 characters). */
  readonly url?: string;
}

/** `PUBLISH_FAILED` (role module): an attempt failed. */
export interface PublishFailedFrame {
  /** Always `"PUBLISH_FAILED"`. */
  readonly type: "PUBLISH_FAILED";
  /** The command id, echoed in the answer. */
  readonly id?: CommandId;
  /** The response whose publication failed. */
  readonly response_id: ResponseId;
  /** The attempt that failed. */
  readonly attempt: number;
  /** Why (≤ 1024 characters). */
  readonly reason: string;
  /** Whether a later attempt may succeed (default true). */
  readonly retryable: boolean;
  /** The platform's own wait before the next attempt (0–86400000 ms). */
  readonly retry_after_ms?: number;
}

/** Every command of the pipeline. */
export type PublicationCommandFrame =
  | UndoFrame
  | RetryFrame
  | TakeFrame
  | PublishedFrame
  | PublishFailedFrame;

/** `EVENT` `reopened`: an undone decision; the card as in `pending`. */
export interface ReopenedEvent {
  /** Always `"EVENT"`. */
  readonly type: "EVENT";
  /** The event's position in the log. */
  readonly seq: Seq;
  /** Always `"reopened"`. */
  readonly event: "reopened";
  /** The response, pending again. */
  readonly response_id: ResponseId;
  /** Who undid the decision. */
  readonly by: string;
  /** When (ISO-8601 UTC). */
  readonly at: string;
  /** The post's platform. */
  readonly platform: Platform;
  /** The post's URL. */
  readonly post_url: string;
  /** The card, rendered as for `pending`. */
  readonly html: SafeHtml;
}

/** `EVENT` `queued`: an attempt waits for a module's `TAKE`. */
export interface QueuedEvent {
  /** Always `"EVENT"`. */
  readonly type: "EVENT";
  /** The event's position in the log. */
  readonly seq: Seq;
  /** Always `"queued"`. */
  readonly event: "queued";
  /** The approved response. */
  readonly response_id: ResponseId;
  /** The attempt to be made, from 1. */
  readonly attempt: number;
  /** When it is due (ISO-8601 UTC). */
  readonly due_at: string;
  /** True when an earlier attempt was taken and its outcome never reported. */
  readonly maybe_applied: boolean;
}

/** `EVENT` `publishing`: a module took an attempt under a lease. */
export interface PublishingEvent {
  /** Always `"EVENT"`. */
  readonly type: "EVENT";
  /** The event's position in the log. */
  readonly seq: Seq;
  /** Always `"publishing"`. */
  readonly event: "publishing";
  /** The response. */
  readonly response_id: ResponseId;
  /** The module holding the attempt. */
  readonly by: string;
  /** The attempt's number. */
  readonly attempt: number;
  /** When the lease lapses unless reported (ISO-8601 UTC). */
  readonly lease_until: string;
}

/** `EVENT` `published`: the reply is on the platform. */
export interface PublishedEvent {
  /** Always `"EVENT"`. */
  readonly type: "EVENT";
  /** The event's position in the log. */
  readonly seq: Seq;
  /** Always `"published"`. */
  readonly event: "published";
  /** The response. */
  readonly response_id: ResponseId;
  /** The module that reported it. */
  readonly by: string;
  /** The attempt that published it. */
  readonly attempt: number;
  /** When it was reported (ISO-8601 UTC). */
  readonly at: string;
  /** The platform's id of the reply, or null. */
  readonly platform_ref: string | null;
  /** The reply's URL, or null. */
  readonly url: string | null;
}

/** `EVENT` `publish_failed`: an attempt failed; retried at `due_at` unless final. */
export interface PublishFailedEvent {
  /** Always `"EVENT"`. */
  readonly type: "EVENT";
  /** The event's position in the log. */
  readonly seq: Seq;
  /** Always `"publish_failed"`. */
  readonly event: "publish_failed";
  /** The response. */
  readonly response_id: ResponseId;
  /** The module that reported it (or held the lapsed lease). */
  readonly by: string;
  /** The attempt that failed. */
  readonly attempt: number;
  /** When (ISO-8601 UTC). */
  readonly at: string;
  /** Why. */
  readonly reason: string;
  /** True when no attempt follows until an admin's `RETRY`. */
  readonly final: boolean;
  /** When the next attempt is due (ISO-8601 UTC), null when final. */
  readonly due_at: string | null;
}

/** Every event of the pipeline. */
export type PublicationEventFrame =
  | ReopenedEvent
  | QueuedEvent
  | PublishingEvent
  | PublishedEvent
  | PublishFailedEvent;

/** A pipeline event's body before the log gives it a `seq`. */
export type PublicationEventBody =
  | Omit<ReopenedEvent, "type" | "seq">
  | Omit<QueuedEvent, "type" | "seq">
  | Omit<PublishingEvent, "type" | "seq">
  | Omit<PublishedEvent, "type" | "seq">
  | Omit<PublishFailedEvent, "type" | "seq">;

/** A publication as history and `SNAPSHOT.in_flight` show it. */
export interface PublicationView {
  /** Where it stands. */
  readonly state: PublicationState;
  /** Attempts taken so far. */
  readonly attempts: number;
  /** When it was published (ISO-8601 UTC), or null. */
  readonly published_at: string | null;
  /** The reply's URL, or null. */
  readonly url: string | null;
  /** The platform's id of the reply, or null. */
  readonly platform_ref: string | null;
  /** The last failure's reason, or null. */
  readonly last_error: string | null;
}

/** One item of `SNAPSHOT.in_flight`. */
export interface InFlightItem {
  /** The response. */
  readonly response_id: ResponseId;
  /** `approved` or `rejected`. */
  readonly status: "approved" | "rejected";
  /** The decider. */
  readonly decided_by: string;
  /** When decided (ISO-8601 UTC). */
  readonly decided_at: string;
  /** When the undo window closes (ISO-8601 UTC). */
  readonly undo_until: string;
  /** Null while in the window or for a rejection. */
  readonly publication: PublicationView | null;
}

/** One job of `TAKE`'s `ACK`. */
export interface PublicationJob {
  /** The approved response. */
  readonly response_id: ResponseId;
  /** Where to post. */
  readonly platform: string;
  /** The post to answer. */
  readonly post_url: string;
  /** The approved reply. */
  readonly text: string;
  /** This attempt's number. */
  readonly attempt: number;
  /** When the lease lapses (ISO-8601 UTC). */
  readonly lease_until: string;
  /** True: an earlier attempt may have posted; check before posting again. */
  readonly maybe_applied: boolean;
  /** The approver. */
  readonly decided_by: string;
  /** When it was approved (ISO-8601 UTC). */
  readonly decided_at: string;
}
