/**
 * The log's slice of the store: its epoch, head and events, the snapshot of
 * the pending rows with the head they reflect, and pruning. Every `seq` is
 * contiguous and in commit order (see `store.ts`).
 * @module
 */
import type { Claim } from "../claims/lease.ts";
import type { ResponseId, Seq } from "../protocol/types.ts";
import type { PublicationRow } from "../publication/store_types.ts";
import type { ResponseRow, StoredEvent } from "./rows.ts";

/** A consistent view of the pending rows and the log head they reflect. */
export interface Snapshot {
  /** The log's head the rows reflect. */
  readonly seq: Seq;
  /** Rows with `status = 'pending'`, ordered by `created_at` then `id`. */
  readonly rows: readonly ResponseRow[];
  /** The claims on those rows as stored, lapsed ones included (the caller judges with its clock). */
  readonly claims: ReadonlyMap<ResponseId, Claim>;
  /** (v1.2) Decisions still held in their window and approvals not yet published, oldest first. */
  readonly inFlight?: readonly PublicationRow[];
}

/** Reads the event log (appends are the state changes of `ResponseStore`, `ClaimStore`, `PublicationStore`). */
export interface LogStore {
  /** The log's epoch (after `init`). */
  epoch(): string;

  /** The log's head: the highest committed `seq` (0 when empty). */
  head(): Promise<Seq>;

  /** Events with `seq > after`, ascending, at most `limit`. */
  readSince(after: Seq, limit: number): Promise<StoredEvent[]>;

  /** The smallest `seq` still in the log, or `null` when it is empty. */
  oldestSeq(): Promise<Seq | null>;

  /** A consistent snapshot of the pending rows with the head it reflects. */
  snapshot(): Promise<Snapshot>;

  /** Deletes events created before `before`; returns how many. */
  prune(before: Date): Promise<number>;
}
