/**
 * The claim rules of v1.2 (PROTOCOL.md §5 "People") beyond the signature and
 * `exp`: `iss` and `aud` when configured, the longest lifetime
 * (`MAX_TOKEN_TTL_HOURS`), and an `iat` no further in the future than the
 * allowed clock skew. Pure: the identity, the policy and the time in, a
 * refusal (or nothing) out, so every rule is table-tested.
 * @module
 */
import type { Identity } from "../auth/jwt.ts";
import type { Config } from "../config.ts";
import { ProtocolError } from "../protocol/codes.ts";

/** How far in the future an `iat` may be (clocks of minting and checking hosts differ), seconds. */
export const MAX_IAT_SKEW_SECONDS = 60;

/** What a token must satisfy besides its signature and expiry. */
export interface TokenPolicy {
  /** `AUTH_ISSUER`; empty: any or no `iss`. */
  readonly issuer: string;
  /** `AUTH_AUDIENCE`; empty: any or no `aud`. */
  readonly audience: string;
  /** `MAX_TOKEN_TTL_HOURS`. */
  readonly maxTtlHours: number;
}

/**
 * The policy a configuration sets.
 * @param config `AUTH_ISSUER`, `AUTH_AUDIENCE`, `MAX_TOKEN_TTL_HOURS`
 * @returns the policy
 */
export function policyOf(
  config: Pick<Config, "authIssuer" | "authAudience" | "maxTokenTtlHours">,
): TokenPolicy {
  return {
    issuer: config.authIssuer,
    audience: config.authAudience,
    maxTtlHours: config.maxTokenTtlHours,
  };
}

/** A policy that checks nothing but the default lifetime (tests, tools). */
export const DEFAULT_POLICY: TokenPolicy = { issuer: "", audience: "", maxTtlHours: 720 };

/**
 * Why a token breaks the policy, or null when it keeps it.
 * @param identity the verified claims
 * @param policy the rules
 * @param nowMs the current time, ms since the epoch
 * @returns a message for people, or null
 */
export function policyViolation(
  identity: Identity,
  policy: TokenPolicy,
  nowMs: number,
): string | null {
  if (policy.issuer !== "" && identity.iss !== policy.issuer) {
    return `claim 'iss' must be '${policy.issuer}'`;
  }
  if (policy.audience !== "") {
    const aud = identity.aud;
    const ok = typeof aud === "string" ? aud === policy.audience : aud?.includes(policy.audience);
    if (!ok) return `claim 'aud' must include '${policy.audience}'`;
  }
  const nowSeconds = nowMs / 1000;
  if (identity.iat !== undefined && identity.iat > nowSeconds + MAX_IAT_SKEW_SECONDS) {
    return "claim 'iat' is in the future";
  }
  const from = identity.iat ?? nowSeconds;
  if (identity.exp - from > policy.maxTtlHours * 3600) {
    return `lifetime over MAX_TOKEN_TTL_HOURS (${policy.maxTtlHours} h)`;
  }
  return null;
}

/**
 * Checks a token against the policy.
 * @param identity the verified claims
 * @param policy the rules
 * @param nowMs the current time, ms since the epoch
 * @throws {ProtocolError} `unauthorized` naming the broken rule
 */
export function checkPolicy(identity: Identity, policy: TokenPolicy, nowMs: number): void {
  const why = policyViolation(identity, policy, nowMs);
  if (why !== null) throw new ProtocolError("unauthorized", `token rejected: ${why}`);
}
