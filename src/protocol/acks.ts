/**
 * The `ACK` of each command and the `ERROR`s that carry fields of their
 * own (PROTOCOL.md §3), as narrow types of the general `AckFrame` and
 * `ErrorFrame` (`frames.ts`): the handlers return them, the SDK resolves
 * its requests with their result fields (`AckResult`). Types only.
 * @module
 */
import type { AckFrame, CommandId, ErrorFrame } from "./frames.ts";
import type { PublicationJob } from "./publication_frames.ts";
import type { ResponseId, Seq } from "./types.ts";

/** The fields every `ACK` of a command on one response has. */
export interface ResponseAckBase extends AckFrame {
  /** Always `"ACK"`. */
  readonly type: "ACK";
  /** The id of the command this answers, when it had one. */
  readonly id?: CommandId;
  /** The response the command was about. */
  readonly response_id: ResponseId;
}

/**
 * The `ACK` of a command that appended an event, or found it already done:
 * `SR`, `APPROVED`, `REJECTED`, (v1.2) `UNDO`, `RETRY`, `PUBLISHED`.
 */
export interface EventAck extends ResponseAckBase {
  /** The event appended (or, for a duplicate, the original's). */
  readonly seq: Seq;
  /** True when the command repeated one already done, and nothing new was appended. */
  readonly duplicate: boolean;
}

/** `ACK` of `SR`. */
export type SrAck = EventAck;
/** `ACK` of `APPROVED` and `REJECTED`. */
export type DecisionAck = EventAck;

/**
 * (v1.1) `ACK` of `CLAIM`: the claim as it now stands (v1.2: a renewal in
 * the first half of the lease answers the claim unchanged, with its `seq`).
 */
export interface ClaimAck extends EventAck {
  /** Never a duplicate: a claim taken or renewed. */
  readonly duplicate: false;
  /** The holder: the caller. */
  readonly claimed_by: string;
  /** When the claim lapses (ISO-8601 UTC). */
  readonly claim_until: string;
}

/** (v1.1) `ACK` of `RELEASE`: the `released` event, or a duplicate (no live claim to end). */
export interface ReleaseAck extends ResponseAckBase {
  /** The `released` event; absent for a duplicate. */
  readonly seq?: Seq;
  /** True when there was no live claim of the caller's to end. */
  readonly duplicate: boolean;
}

/** (v1.2) `ACK` of a `PUBLISH_FAILED` for an attempt that is no longer the current one. */
export interface StaleAck extends ResponseAckBase {
  /** Always true: nothing was recorded. */
  readonly stale: true;
}

/** (v1.2) `ACK` of `TAKE`: the publications taken. */
export interface TakeAck extends AckFrame {
  /** Always `"ACK"`. */
  readonly type: "ACK";
  /** Up to `max` jobs, the longest due first (possibly none). */
  readonly jobs: readonly PublicationJob[];
}

/**
 * The result fields of an `ACK`, as the SDK resolves a request: no `type`,
 * no `id` (a key-remapping `Omit`, which keeps the named fields beside the
 * frame's index signature).
 */
export type AckResult<A extends AckFrame> = {
  readonly [K in keyof A as K extends "type" | "id" ? never : K]: A[K];
};

/** (v1.1) `ERROR` `claimed`: another user holds a live claim. */
export interface ClaimedErrorFrame extends ErrorFrame {
  /** Always `"claimed"`. */
  readonly code: "claimed";
  /** The holder. */
  readonly claimed_by: string;
  /** When their claim lapses (ISO-8601 UTC). */
  readonly claim_until: string;
}

/** (v1.2) `ERROR` `too_many_claims`: the caller holds `CLAIM_MAX_PER_USER` live claims. */
export interface TooManyClaimsErrorFrame extends ErrorFrame {
  /** Always `"too_many_claims"`. */
  readonly code: "too_many_claims";
  /** The cap. */
  readonly limit: number;
}

/** `ERROR` `not_pending`: the response was already decided. */
export interface NotPendingErrorFrame extends ErrorFrame {
  /** Always `"not_pending"`. */
  readonly code: "not_pending";
  /** Its status now. */
  readonly status: string;
  /** Who decided it, when recorded. */
  readonly decided_by: string | null;
}

/** (v1.2) `ERROR` `bad_state`: the publication is not in a state the command acts on. */
export interface BadStateErrorFrame extends ErrorFrame {
  /** Always `"bad_state"`. */
  readonly code: "bad_state";
  /** The publication's state. */
  readonly state: string;
}
