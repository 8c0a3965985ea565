/**
 * `AccessGate`: the one place a token becomes an identity, for every door
 * that takes one — `CL` on `/ws`, `POST /api/sr`, `/api/*`, `/stats` and the
 * pages' APIs (`/metrics` has its own static `METRICS_TOKEN`). In order: the
 * signature, the claims' types and `exp` (`TokenAuthority`), the v1.2 policy
 * (`iss`, `aud`, lifetime, future `iat`; `token_policy.ts`), then
 * revocation (`revocations.ts`). The policy and the revocation are judged
 * on every call, also for a token whose signature was verified before, so a
 * revocation applies to tokens already seen.
 * @module
 */
import type { Identity, TokenVerifier } from "../auth/jwt.ts";
import { ProtocolError } from "../protocol/codes.ts";
import { type RevocationList, RevokedTokenError } from "./revocations.ts";
import { checkPolicy, type TokenPolicy } from "./token_policy.ts";

/** What the gate is made of. */
export interface AccessGateOptions {
  /** Checks the signature, the claims' types and `exp`. */
  readonly authority: TokenVerifier;
  /** `AUTH_ISSUER`, `AUTH_AUDIENCE`, `MAX_TOKEN_TTL_HOURS`. */
  readonly policy: TokenPolicy;
  /** The revocations this process knows. */
  readonly revocations: RevocationList;
}

/** Verifies tokens by every rule of PROTOCOL.md §5. */
export class AccessGate implements TokenVerifier {
  readonly #o: AccessGateOptions;

  /**
   * Creates the gate.
   * @param options the authority, the policy and the revocations
   */
  constructor(options: AccessGateOptions) {
    this.#o = options;
  }

  /**
   * Verifies a token by every rule.
   * @param token the compact JWT
   * @param nowMs the current time, ms since the epoch
   * @returns the identity it carries
   * @throws {ProtocolError} `unauthorized` (a {@link RevokedTokenError} for a
   *   revoked user), or `unavailable` while the stored revocations have not
   *   been read yet (the database has not answered since the start)
   */
  async verify(token: string, nowMs: number): Promise<Identity> {
    const identity = await this.#o.authority.verify(token, nowMs);
    checkPolicy(identity, this.#o.policy, nowMs);
    if (!this.#o.revocations.loaded) {
      throw new ProtocolError("unavailable", "revocations not read yet; try again");
    }
    if (this.#o.revocations.refuses(identity)) throw new RevokedTokenError(identity.sub);
    return identity;
  }
}
