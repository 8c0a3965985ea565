/**
 * Revocation by user and time (PROTOCOL.md §5 "People"): this process's
 * copy of `ws_revocations`, user → the moment from which their earlier
 * tokens are refused. No token list is kept: a token of a revoked user is
 * refused when it has no `iat` or its `iat` is not later than that moment,
 * so a token minted afterwards works again. Every change goes through
 * `record`, which only ever moves a user's moment later, so replayed or
 * reordered news (broker, database poll) cannot undo a revocation.
 * @module
 */
import type { Identity } from "../auth/jwt.ts";
import { ProtocolError } from "../protocol/codes.ts";
import { REVOKED_REASON } from "../protocol/close_codes.ts";

/** A token refused because its user was revoked after it was issued. */
export class RevokedTokenError extends ProtocolError {
  /**
   * Creates the refusal of a revoked user's token.
   * @param user the revoked user
   */
  constructor(user: string) {
    super("unauthorized", `token rejected: ${REVOKED_REASON}`, { user });
    this.name = "RevokedTokenError";
  }
}

/** One user's revocation. */
export interface Revocation {
  /** The user (`sub`). */
  readonly user: string;
  /** Tokens of this user issued at or before this moment are refused (ms since the epoch). */
  readonly revokedAt: number;
}

/**
 * Whether a token issued at `iatSeconds` falls under a revocation at `revokedAtMs`.
 * @param iatSeconds the token's `iat` (seconds), or undefined/null without one
 * @param revokedAtMs the revocation's moment (ms)
 * @returns true when the token is refused
 */
export function issuedNoLaterThan(
  iatSeconds: number | undefined | null,
  revokedAtMs: number,
): boolean {
  return iatSeconds === undefined || iatSeconds === null || iatSeconds * 1000 <= revokedAtMs;
}

/** The revocations this process knows, kept current by `RevocationSync`. */
export class RevocationList {
  readonly #byUser = new Map<string, number>();
  #loaded = false;

  /**
   * Records a revocation, keeping the later moment of two for one user.
   * @param user the user
   * @param revokedAt the moment (ms since the epoch)
   * @returns true when it changed what this process refuses
   */
  record(user: string, revokedAt: number): boolean {
    if (!Number.isFinite(revokedAt)) return false;
    const known = this.#byUser.get(user);
    if (known !== undefined && known >= revokedAt) return false;
    this.#byUser.set(user, revokedAt);
    return true;
  }

  /** Says that the stored revocations have been read once (until then tokens are refused). */
  markLoaded(): void {
    this.#loaded = true;
  }

  /** Whether the stored revocations have been read since the start. */
  get loaded(): boolean {
    return this.#loaded;
  }

  /**
   * The moment a user was revoked, or null.
   * @param user the user
   * @returns ms since the epoch, or null when never revoked
   */
  revokedAt(user: string): number | null {
    return this.#byUser.get(user) ?? null;
  }

  /**
   * Whether a token is refused by a revocation.
   * @param identity the token's claims
   * @returns true when its user was revoked at or after its `iat` (or it has none)
   */
  refuses(identity: Pick<Identity, "sub" | "iat">): boolean {
    const at = this.#byUser.get(identity.sub);
    return at !== undefined && issuedNoLaterThan(identity.iat, at);
  }

  /** Every revocation known, newest first. */
  list(): Revocation[] {
    return [...this.#byUser].map(([user, revokedAt]) => ({ user, revokedAt }))
      .sort((a, b) => b.revokedAt - a.revokedAt);
  }

  /** How many users are revoked. */
  get size(): number {
    return this.#byUser.size;
  }
}
