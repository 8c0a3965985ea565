/**
 * The revocations' slice of the store (v1.2): a user's tokens issued at or
 * before a moment are refused (`ws_revocations`).
 * @module
 */
import type { RevocationRow } from "./sql_revocations.ts";

/** The `ws_revocations` rows. */
export interface RevocationStore {
  /**
   * (v1.2) Revokes a user's tokens issued at or before `at` (`ws_revocations`);
   * a later moment already stored is kept.
   * @returns the stored moment
   * @throws {TypeError} on an empty or too long user
   */
  revoke(user: string, at: Date): Promise<Date>;

  /** (v1.2) The revocations at or after `since` (every one with `null`), oldest first. */
  readRevocations(since: Date | null): Promise<RevocationRow[]>;
}
