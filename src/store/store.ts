/**
 * The storage seam, split by concern: the log (`log_store.ts`), the
 * responses (`response_store.ts`), claims (`claim_store.ts`), publication
 * (`../publication/store_types.ts`), history (`history_store.ts`), presence
 * rows (`presence_store.ts`), node rows (`node_store.ts`) and revocations
 * (`revocation_store.ts`). Each consumer takes only its slice; `Store`, the
 * whole of them, is for the composition root. One implementation,
 * `SqlStore` (`sql_store.ts`), runs the shared SQL on either engine:
 * MySQL/MariaDB (`mysql_store.ts`) or the embedded SQLite
 * (`sqlite_store.ts`), verified by one conformance suite
 * (`tests/store/conformance.ts`). The slices' types are re-exported here
 * for the callers that name them from the seam.
 *
 * Ordering and atomicity, which every implementation guarantees:
 * - `seq` starts at 1 and is contiguous and in commit order across every
 *   process sharing the database: the appending transaction increments the
 *   head counter row (`ws_meta.head`) and holds its lock until commit, so a
 *   rollback leaves no gap and no later seq commits before an earlier one.
 * - A state change and its event commit in one transaction (`announce`,
 *   `decide`, `claim`, `release`): no decision without its event, no event
 *   without its decision.
 * - Claims (v1.1) are decided like decisions: the response's row is locked
 *   first (by every claim, release and decision, so they serialise on it),
 *   then one conditional statement settles who holds the claim; a decision
 *   by anyone but the live holder is refused inside the deciding transaction.
 * - `epoch` is created with the log and survives restarts.
 * @module
 */
import type { PublicationStore } from "../publication/store_types.ts";
import type { ClaimStore } from "./claim_store.ts";
import type { HistoryStore } from "./history_store.ts";
import type { LogStore } from "./log_store.ts";
import type { NodeStore } from "./node_store.ts";
import type { PresenceStore } from "./presence_store.ts";
import type { ResponseStore } from "./response_store.ts";
import type { RevocationStore } from "./revocation_store.ts";

export type { AppendResult, ClaimRefusal, ResponseRow, StoredEvent } from "./rows.ts";
export type { LogStore, Snapshot } from "./log_store.ts";
export type {
  AnnouncementState,
  DecideResult,
  Decision,
  PendingBody,
  PendingStats,
  ResponseStore,
} from "./response_store.ts";
export type {
  ClaimRequest,
  ClaimResult,
  ClaimStore,
  ClaimUnchanged,
  ReleaseRequest,
  ReleaseResult,
  StoredClaim,
  TooManyClaims,
} from "./claim_store.ts";
export type { HistoryQuery, HistoryStore } from "./history_store.ts";
export type { PresenceRow, PresenceStore } from "./presence_store.ts";
export type { NodeRow, NodeStore } from "./node_store.ts";
export type { RevocationStore } from "./revocation_store.ts";

/** Reports the duration of each database operation (for the latency histogram). */
export type QueryObserver = (operation: string, seconds: number) => void;

/**
 * The whole durable store, for the composition root (`src/app/parts.ts`),
 * which builds it and hands each part only its slice.
 */
export interface Store
  extends
    LogStore,
    ResponseStore,
    ClaimStore,
    PublicationStore,
    HistoryStore,
    PresenceStore,
    NodeStore,
    RevocationStore {
  /** `mysql` or `sqlite`. */
  readonly dialect: "mysql" | "sqlite";

  /**
   * Creates the database (MySQL, when allowed), the `responses` table, the
   * `ws_*` tables and the epoch if missing; applies migrations.
   * @throws {StoreUnavailableError} when the database does not answer
   */
  init(): Promise<void>;

  /** Answers when the database does. @throws {StoreUnavailableError} */
  ping(): Promise<void>;

  /** Closes connections; idempotent. */
  close(): Promise<void>;
}

/** The database does not answer (connection refused, lost, timed out). */
export class StoreUnavailableError extends Error {
  /**
   * Creates the error of a database that does not answer.
   * @param message what failed
   * @param options the underlying error
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StoreUnavailableError";
  }
}
