/**
 * Frames of wire protocol v1.1 (PROTOCOL.md §3) as discriminated unions.
 * @module
 */
import type { ErrorCode } from "./codes.ts";
import type { Platform, ResponseId, Role, SafeHtml, Seq } from "./types.ts";
import type {
  InFlightItem,
  PublicationCommandFrame,
  PublicationEventBody,
  PublicationEventFrame,
} from "./publication_frames.ts";

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
  /** Always `"CL"`. */
  readonly type: "CL";
  /** The command id, echoed in the answer. */
  readonly id?: CommandId;
  /** The HS256 token that names the user and role. */
  readonly token: string;
  /** Where to resume the event stream; without it the client gets a `SNAPSHOT`. */
  readonly resume?: ResumePosition;
}

/** `HEARTBEAT` from a client. */
export interface HeartbeatFrame {
  /** Always `"HEARTBEAT"`. */
  readonly type: "HEARTBEAT";
  /** The command id, echoed in the answer. */
  readonly id?: CommandId;
}

/** `SR`: a module announces a pending response. */
export interface SubmitFrame {
  /** Always `"SR"`. */
  readonly type: "SR";
  /** The command id, echoed in the answer. */
  readonly id?: CommandId;
  /** The row of `responses` to announce. */
  readonly response_id: ResponseId;
}

/** `APPROVED`: an operator approves a response, optionally with edited text. */
export interface ApproveFrame {
  /** Always `"APPROVED"`. */
  readonly type: "APPROVED";
  /** The command id, echoed in the answer. */
  readonly id?: CommandId;
  /** The response approved. */
  readonly response_id: ResponseId;
  /** The reply as the operator edited it; without it the row's own text is sent. */
  readonly text?: string;
}

/** `REJECTED`: an operator rejects a response, optionally with a reason. */
export interface RejectFrame {
  /** Always `"REJECTED"`. */
  readonly type: "REJECTED";
  /** The command id, echoed in the answer. */
  readonly id?: CommandId;
  /** The response rejected. */
  readonly response_id: ResponseId;
  /** Why, for the log and the module. */
  readonly reason?: string;
}

/** `CLAIM` (v1.1): an operator takes, or renews, a claim on a pending response. */
export interface ClaimFrame {
  /** Always `"CLAIM"`. */
  readonly type: "CLAIM";
  /** The command id, echoed in the answer. */
  readonly id?: CommandId;
  /** The pending response to claim. */
  readonly response_id: ResponseId;
}

/** `RELEASE` (v1.1): an operator ends their claim (an admin: anyone's). */
export interface ReleaseFrame {
  /** Always `"RELEASE"`. */
  readonly type: "RELEASE";
  /** The command id, echoed in the answer. */
  readonly id?: CommandId;
  /** The response whose claim ends. */
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
  | ReleaseFrame
  | PublicationCommandFrame;
/** The `type` of a client frame. */
export type ClientFrameType = ClientFrame["type"];

/** A card as carried in `SNAPSHOT.items` and `pending` events. */
export interface Card {
  /** The response the card shows. */
  readonly response_id: ResponseId;
  /** Where the post being answered lives. */
  readonly platform: Platform;
  /** The post's URL, as the module gave it. */
  readonly post_url: string;
  /** The card rendered by the server's template (escaped, safe to insert). */
  readonly html: SafeHtml;
}

/** `EVENT` with `event: "pending"`. */
export interface PendingEvent extends Card {
  /** Always `"EVENT"`. */
  readonly type: "EVENT";
  /** The event's position in the log. */
  readonly seq: Seq;
  /** Always `"pending"`: a response awaits review. */
  readonly event: "pending";
}

/** `EVENT` with `event: "approved"`. */
export interface ApprovedEvent {
  /** Always `"EVENT"`. */
  readonly type: "EVENT";
  /** The event's position in the log. */
  readonly seq: Seq;
  /** Always `"approved"`. */
  readonly event: "approved";
  /** The response approved. */
  readonly response_id: ResponseId;
  /** The user who approved it. */
  readonly by: string;
  /** When (ISO-8601 UTC). */
  readonly at: string;
  /** The reply that goes out: the operator's edit, or the row's text. */
  readonly text: string;
  /** (v1.2) Until when the decider may undo it (ISO-8601 UTC; `at` when the window is 0). */
  readonly undo_until: string;
}

/** `EVENT` with `event: "rejected"`. */
export interface RejectedEvent {
  /** Always `"EVENT"`. */
  readonly type: "EVENT";
  /** The event's position in the log. */
  readonly seq: Seq;
  /** Always `"rejected"`. */
  readonly event: "rejected";
  /** The response rejected. */
  readonly response_id: ResponseId;
  /** The user who rejected it. */
  readonly by: string;
  /** When (ISO-8601 UTC). */
  readonly at: string;
  /** The reason given, `null` when none. */
  readonly reason: string | null;
  /** (v1.2) Until when the decider may undo it (ISO-8601 UTC; `at` when the window is 0). */
  readonly undo_until: string;
}

/** `EVENT` with `event: "claimed"` (v1.1): `by` holds the response until `until` (ISO-8601 UTC). */
export interface ClaimedEvent {
  /** Always `"EVENT"`. */
  readonly type: "EVENT";
  /** The event's position in the log. */
  readonly seq: Seq;
  /** Always `"claimed"`. */
  readonly event: "claimed";
  /** The response claimed. */
  readonly response_id: ResponseId;
  /** The user who holds the claim. */
  readonly by: string;
  /** When the claim lapses unless renewed (ISO-8601 UTC). */
  readonly until: string;
}

/** `EVENT` with `event: "released"` (v1.1): `by` is who released the claim. */
export interface ReleasedEvent {
  /** Always `"EVENT"`. */
  readonly type: "EVENT";
  /** The event's position in the log. */
  readonly seq: Seq;
  /** Always `"released"`. */
  readonly event: "released";
  /** The response whose claim ended. */
  readonly response_id: ResponseId;
  /** The user who released it (the holder, or an admin). */
  readonly by: string;
}

/** Any `EVENT` frame. */
export type EventFrame =
  | PendingEvent
  | ApprovedEvent
  | RejectedEvent
  | ClaimedEvent
  | ReleasedEvent
  | PublicationEventFrame;

/** An event's body before the log gives it a `seq`. */
export type EventBody =
  | Omit<PendingEvent, "type" | "seq">
  | Omit<ApprovedEvent, "type" | "seq">
  | Omit<RejectedEvent, "type" | "seq">
  | Omit<ClaimedEvent, "type" | "seq">
  | Omit<ReleasedEvent, "type" | "seq">
  | PublicationEventBody;

/** `WELCOME`: the answer to `CL`. */
export interface WelcomeFrame {
  /** Always `"WELCOME"`. */
  readonly type: "WELCOME";
  /** The id of the command this answers, when it had one. */
  readonly id?: CommandId;
  /** This connection's id, unique per connection. */
  readonly client_id: string;
  /** The role the token grants. */
  readonly role: Role;
  /** The user the token names. */
  readonly user: string;
  /** The event log's identity; a different one means the log was replaced. */
  readonly epoch: string;
  /** The log's head now. */
  readonly seq: Seq;
  /** True when the replay since the client's `last_seq` follows, false when a `SNAPSHOT` does. */
  readonly resumed: boolean;
  /** How often the client should send a frame (ms). */
  readonly heartbeat_interval_ms: number;
  /** Silence after which the server closes the connection with 4008 (ms). */
  readonly heartbeat_timeout_ms: number;
  /**
   * (v1.2, an addition to the contract) `SLA_MINUTES`: a pending reply older
   * than this is overdue, so the page can mark it with the server's own figure.
   */
  readonly sla_minutes?: number;
  /** (v1.2) The longest reply and reason the server accepts, in characters. */
  readonly limits: { readonly text: number; readonly reason: number };
  /** (v1.2) `UNDO_WINDOW_MS`. */
  readonly undo_window_ms: number;
  /** (v1.2) `CLAIM_LEASE_MS`. */
  readonly claim_lease_ms: number;
}

/** A `SNAPSHOT` item: the card and (v1.1) its live claim, `null` when none. */
export interface SnapshotItem extends Card {
  /** The user holding a live claim on it, `null` when none. */
  readonly claimed_by: string | null;
  /** When that claim lapses (ISO-8601 UTC), or `null`. */
  readonly claim_until: string | null;
  /** (v1.2) When the module stored it (ISO-8601 UTC). */
  readonly created_at: string;
}

/** `SNAPSHOT`: the pending rows as of `seq`. */
export interface SnapshotFrame {
  /** Always `"SNAPSHOT"`. */
  readonly type: "SNAPSHOT";
  /** The log's head the snapshot reflects; events after it follow. */
  readonly seq: Seq;
  /** Every pending response, oldest first. */
  readonly items: readonly SnapshotItem[];
  /** (v1.2) Decisions in their undo window and approvals not yet published, oldest decision first. */
  readonly in_flight: readonly InFlightItem[];
}

/** One person in `PRESENCE` (v1.1). */
export interface PresenceEntry {
  /** The operator's or admin's user name. */
  readonly user: string;
  /** Their connections over every process sharing the database. */
  readonly connections: number;
  /** When their earliest live connection opened (ISO-8601 UTC). */
  readonly since: string;
}

/** `PRESENCE` (v1.1, to operators and admins): who is connected; not in the log. */
export interface PresenceFrame {
  /** Always `"PRESENCE"`. */
  readonly type: "PRESENCE";
  /**
   * Everyone connected as operator or admin, on any process; (v1.2) at most
   * 100 people (and 16 KiB), the earliest `since` first.
   */
  readonly operators: readonly PresenceEntry[];
  /** (v1.2) How many people are present (`operators` may list fewer). */
  readonly total?: number;
}

/** `ACK`: success of a command, with its result fields. */
export interface AckFrame {
  /** Always `"ACK"`. */
  readonly type: "ACK";
  /** The id of the command this answers, when it had one. */
  readonly id?: CommandId;
  /** The seq of the event the command appended (or of the original, when a duplicate). */
  readonly seq?: Seq;
  /** True when the command repeated one already done, and nothing new was appended. */
  readonly duplicate?: boolean;
  /** The command's other result fields (e.g. `claimed_by`, `claim_until` for `CLAIM`). */
  readonly [field: string]: unknown;
}

/** `HEARTBEAT` from the server. */
export interface ServerHeartbeatFrame {
  /** Always `"HEARTBEAT"`. */
  readonly type: "HEARTBEAT";
  /** The id of the command this answers, when it had one. */
  readonly id?: CommandId;
  /** The server's clock when it answered (ms since the epoch). */
  readonly ts: number;
}

/** `ERROR`. */
export interface ErrorFrame {
  /** Always `"ERROR"`. */
  readonly type: "ERROR";
  /** The id of the command this answers, when it had one. */
  readonly id?: CommandId;
  /** What went wrong, from the protocol's fixed list. */
  readonly code: ErrorCode;
  /** A description for people, not for matching on. */
  readonly message: string;
  /** True when the same command may succeed if sent again later. */
  readonly retryable: boolean;
  /** Fields of the code (e.g. `claimed_by`, `claim_until` for `claimed`). */
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
