/**
 * The rows and results that several slices of the store share: a response
 * row, a stored event, and what an append to the log came to. Each slice's
 * own types live beside its interface (`log_store.ts`, `response_store.ts`,
 * `claim_store.ts`, …).
 * @module
 */
import type { EventKind, ResponseId, ResponseStatus, Seq } from "../protocol/types.ts";

/** A row of the `responses` table (PROTOCOL.md §6). */
export interface ResponseRow {
  /** `responses.id`. */
  readonly id: ResponseId;
  /** Where the post lives (`vk`, `telegram`). */
  readonly platform: string;
  /** The URL of the post being answered. */
  readonly post_url: string;
  /** The post's text once fetched, else null. */
  readonly post_text: string | null;
  /** The post's author once fetched, else null. */
  readonly author: string | null;
  /** The proposed reply (replaced by the operator's edit on approval). */
  readonly response_text: string;
  /** `pending`, `approved` or `rejected` (a string for values another writer stored). */
  readonly status: ResponseStatus | string;
  /** When the module stored it. */
  readonly created_at: Date;
  /** When it was decided, null while pending. */
  readonly decided_at: Date | null;
  /** The user who decided it, null while pending. */
  readonly decided_by: string | null;
  /** The rejection's reason, else null. */
  readonly reason: string | null;
}

/** One event of the log, with its frame encoded once at append time. */
export interface StoredEvent {
  /** The event's position in the log. */
  readonly seq: Seq;
  /** What happened. */
  readonly kind: EventKind;
  /** The response it happened to. */
  readonly responseId: ResponseId;
  /** The `EVENT` frame's JSON text, sent as is to every client. */
  readonly frame: string;
  /** When it was appended. */
  readonly createdAt: Date;
}

/** What a state change in the log came to. */
export type AppendResult =
  | { readonly kind: "appended"; readonly event: StoredEvent }
  | { readonly kind: "duplicate"; readonly seq: Seq }
  | { readonly kind: "not_found" }
  | {
    readonly kind: "not_pending";
    readonly status: string;
    readonly decidedBy: string | null;
  };

/** Another user holds a live claim: the command is refused (ERROR `claimed`). */
export interface ClaimRefusal {
  /** Always `claimed`. */
  readonly kind: "claimed";
  /** The user holding the claim. */
  readonly holder: string;
  /** When that claim lapses. */
  readonly until: Date;
}
