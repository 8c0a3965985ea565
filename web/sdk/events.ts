/**
 * What a client reports: its events by name, and its counters.
 * @module
 */
import type {
  ApprovedEvent,
  ClaimedEvent,
  PendingEvent,
  PresenceFrame,
  RejectedEvent,
  ReleasedEvent,
  SnapshotFrame,
} from "../../src/protocol/frames.ts";
import type {
  PublishedEvent,
  PublishFailedEvent,
  PublishingEvent,
  QueuedEvent,
  ReopenedEvent,
} from "../../src/protocol/publication_frames.ts";
import type { Tagged } from "./emitter.ts";
import type { ReviewError } from "./errors.ts";
import type { Position } from "./sequencer.ts";
import type { ConnectionState } from "./state.ts";

/** The events of a client, by name. */
export interface ClientEvents {
  /** The connection's state changed. */
  state: ConnectionState;
  /** The server sent the pending cards; the local list was replaced. */
  snapshot: SnapshotFrame;
  /** A response awaits review. */
  pending: PendingEvent;
  /** A response was approved. */
  approved: ApprovedEvent;
  /** A response was rejected. */
  rejected: RejectedEvent;
  /** (v1.1) Someone took or renewed a claim on a pending response (`by`, `until`). */
  claimed: ClaimedEvent;
  /** (v1.1) A claim was released (`by` is who released it). Lapses send no event. */
  released: ReleasedEvent;
  /** (v1.2) A decision was undone: the response is pending again (the card is in the event). */
  reopened: ReopenedEvent;
  /** (v1.2) A publication attempt waits for a module's `TAKE` (`attempt`, `due_at`, `maybe_applied`). */
  queued: QueuedEvent;
  /** (v1.2) A module took an attempt (`by`, `attempt`, `lease_until`). */
  publishing: PublishingEvent;
  /** (v1.2) The reply is on the platform (`url`, `platform_ref`). */
  published: PublishedEvent;
  /** (v1.2) An attempt failed (`reason`, `final`, `due_at` of the next). */
  publish_failed: PublishFailedEvent;
  /** (v1.1) Who is connected (operators and admins, on every server process). */
  presence: PresenceFrame;
  /** The client has every event up to the server's head at connection time. */
  synced: Position;
  /** An `ERROR` that answers no request of this client. */
  error: ReviewError;
}

/** An event as the async iterator yields it. */
export type ClientEvent = Tagged<ClientEvents>;

/** Counters of what the client did. */
export interface ClientStats {
  /** Connections that were welcomed. */
  connections: number;
  /** Of those, the ones the server resumed. */
  resumes: number;
  /** Snapshots received. */
  snapshots: number;
  /** Events dropped because their `seq` was already applied. */
  duplicatesDropped: number;
  /** `seq` jumps that made the client reconnect. */
  gaps: number;
}
