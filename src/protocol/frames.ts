/**
 * Frames of wire protocol v1.1 (PROTOCOL.md §3) as discriminated unions.
 * @module
 */
import type { ErrorCode } from "./codes.ts";
import type { Platform, ResponseId, Role, SafeHtml, Seq } from "./types.ts";

/** A command id: a string of at most 64 characters or an integer. */
export type CommandId = string | number;

/** Resume position sent in `CL`. */
export interface ResumePosition {
  /** The event log the client last read. */
  readonly epoch: string;
  /** The last contiguous `seq` the client has. */
  readonly last_seq: number;
}

/** `CL`: the client hello. */
export interface HelloFrame {
  readonly type: "CL";
  readonly id?: CommandId;
  readonly token: string;
  readonly resume?: ResumePosition;
}

/** `HEARTBEAT` from a client. */
export interface HeartbeatFrame {
  readonly type: "HEARTBEAT";
  readonly id?: CommandId;
}

/** `SR`: a module announces a pending response. */
export interface SubmitFrame {
  readonly type: "SR";
  readonly id?: CommandId;
  readonly response_id: ResponseId;
}

/** `APPROVED`: an operator approves a response, optionally with edited text. */
export interface ApproveFrame {
  readonly type: "APPROVED";
  readonly id?: CommandId;
  readonly response_id: ResponseId;
  readonly text?: string;
}

/** `REJECTED`: an operator rejects a response, optionally with a reason. */
export interface RejectFrame {
  readonly type: "REJECTED";
  readonly id?: CommandId;
  readonly response_id: ResponseId;
  readonly reason?: string;
}

/** `CLAIM` (v1.1): an operator takes, or renews, a claim on a pending response. */
export interface ClaimFrame {
  readonly type: "CLAIM";
  readonly id?: CommandId;
  readonly response_id: ResponseId;
}

/** `RELEASE` (v1.1): an operator ends their claim (an admin: anyone's). */
export interface ReleaseFrame {
  readonly type: "RELEASE";
  readonly id?: CommandId;
  readonly response_id: ResponseId;
}

/** Every frame a client may send. */
export type ClientFrame =
  | HelloFrame
  | HeartbeatFrame
  | SubmitFrame
  | ApproveFrame
  | RejectFrame
  | ClaimFrame
  | ReleaseFrame;
/** The `type` of a client frame. */
export type ClientFrameType = ClientFrame["type"];

/** A card as carried in `SNAPSHOT.items` and `pending` events. */
export interface Card {
  readonly response_id: ResponseId;
  readonly platform: Platform;
  readonly post_url: string;
  readonly html: SafeHtml;
}

/** `EVENT` with `event: "pending"`. */
export interface PendingEvent extends Card {
  readonly type: "EVENT";
  readonly seq: Seq;
  readonly event: "pending";
}

/** `EVENT` with `event: "approved"`. */
export interface ApprovedEvent {
  readonly type: "EVENT";
  readonly seq: Seq;
  readonly event: "approved";
  readonly response_id: ResponseId;
  readonly by: string;
  readonly at: string;
  readonly text: string;
}

/** `EVENT` with `event: "rejected"`. */
export interface RejectedEvent {
  readonly type: "EVENT";
  readonly seq: Seq;
  readonly event: "rejected";
  readonly response_id: ResponseId;
  readonly by: string;
  readonly at: string;
  readonly reason: string | null;
}

/** `EVENT` with `event: "claimed"` (v1.1): `by` holds the response until `until` (ISO-8601 UTC). */
export interface ClaimedEvent {
  readonly type: "EVENT";
  readonly seq: Seq;
  readonly event: "claimed";
  readonly response_id: ResponseId;
  readonly by: string;
  readonly until: string;
}

/** `EVENT` with `event: "released"` (v1.1): `by` is who released the claim. */
export interface ReleasedEvent {
  readonly type: "EVENT";
  readonly seq: Seq;
  readonly event: "released";
  readonly response_id: ResponseId;
  readonly by: string;
}

/** Any `EVENT` frame. */
export type EventFrame =
  | PendingEvent
  | ApprovedEvent
  | RejectedEvent
  | ClaimedEvent
  | ReleasedEvent;

/** An event's body before the log gives it a `seq`. */
export type EventBody =
  | Omit<PendingEvent, "type" | "seq">
  | Omit<ApprovedEvent, "type" | "seq">
  | Omit<RejectedEvent, "type" | "seq">
  | Omit<ClaimedEvent, "type" | "seq">
  | Omit<ReleasedEvent, "type" | "seq">;

/** `WELCOME`: the answer to `CL`. */
export interface WelcomeFrame {
  readonly type: "WELCOME";
  readonly id?: CommandId;
  readonly client_id: string;
  readonly role: Role;
  readonly user: string;
  readonly epoch: string;
  readonly seq: Seq;
  readonly resumed: boolean;
  readonly heartbeat_interval_ms: number;
  readonly heartbeat_timeout_ms: number;
}

/** A `SNAPSHOT` item: the card and (v1.1) its live claim, `null` when none. */
export interface SnapshotItem extends Card {
  readonly claimed_by: string | null;
  /** ISO-8601 UTC, or `null`. */
  readonly claim_until: string | null;
}

/** `SNAPSHOT`: the pending rows as of `seq`. */
export interface SnapshotFrame {
  readonly type: "SNAPSHOT";
  readonly seq: Seq;
  readonly items: readonly SnapshotItem[];
}

/** One person in `PRESENCE` (v1.1). */
export interface PresenceEntry {
  readonly user: string;
  /** Their connections over every process sharing the database. */
  readonly connections: number;
  /** When their earliest live connection opened (ISO-8601 UTC). */
  readonly since: string;
}

/** `PRESENCE` (v1.1, to operators and admins): who is connected; not in the log. */
export interface PresenceFrame {
  readonly type: "PRESENCE";
  readonly operators: readonly PresenceEntry[];
}

/** `ACK`: success of a command, with its result fields. */
export interface AckFrame {
  readonly type: "ACK";
  readonly id?: CommandId;
  readonly seq?: Seq;
  readonly duplicate?: boolean;
  readonly [field: string]: unknown;
}

/** `HEARTBEAT` from the server. */
export interface ServerHeartbeatFrame {
  readonly type: "HEARTBEAT";
  readonly id?: CommandId;
  readonly ts: number;
}

/** `ERROR`. */
export interface ErrorFrame {
  readonly type: "ERROR";
  readonly id?: CommandId;
  readonly code: ErrorCode;
  readonly message: string;
  readonly retryable: boolean;
  readonly [field: string]: unknown;
}

/** Every frame the server sends. */
export type ServerFrame =
  | WelcomeFrame
  | SnapshotFrame
  | EventFrame
  | AckFrame
  | ServerHeartbeatFrame
  | ErrorFrame
  | PresenceFrame;
