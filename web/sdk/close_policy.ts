/**
 * What the client does after a connection ends, by close code
 * (PROTOCOL.md §4), as one pure function so the table is tested alone.
 * @module
 */

// The table lives with the server's close codes, so the two cannot drift.
export { type CloseAction, closeAction } from "../../src/protocol/close_codes.ts";
import { type CloseAction, REVOKED_REASON } from "../../src/protocol/close_codes.ts";
export { REVOKED_REASON } from "../../src/protocol/close_codes.ts";

/** Close code the client uses when it abandons a connection itself. */
export const CLIENT_ABANDON_CODE = 4000;

/**
 * The backoff attempt number to use for the next reconnect.
 * @param previous the attempt number the last reconnect used plus one (0 at start)
 * @param action the reaction to the close
 * @param welcomed whether the connection that ended got a `WELCOME`
 * @returns the attempt number for the next delay
 */
export function nextAttempt(previous: number, action: CloseAction, welcomed: boolean): number {
  return welcomed && action === "resume" ? 0 : previous;
}

/**
 * Whether a close ended the user's access for good (v1.2): `4001` with the
 * revocation reason. No new token from the same source helps, so the client
 * stops at once instead of asking its token source again.
 * @param code the close code
 * @param reason the close reason
 * @returns true for a revocation
 */
export function isRevocation(code: number, reason: string): boolean {
  return code === 4001 && reason === REVOKED_REASON;
}
