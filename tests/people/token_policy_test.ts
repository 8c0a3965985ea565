import assert from "node:assert/strict";
import type { Identity } from "../../src/auth/jwt.ts";
import { ProtocolError } from "../../src/protocol/codes.ts";
import {
  checkPolicy,
  MAX_IAT_SKEW_SECONDS,
  policyOf,
  policyViolation,
  type TokenPolicy,
} from "../../src/people/token_policy.ts";

const NOW = 1_800_000_000_000;
const now = NOW / 1000;
const base: Identity = { sub: "alice", role: "operator", exp: now + 3600, iat: now };
const open: TokenPolicy = { issuer: "", audience: "", maxTtlHours: 720 };
const strict: TokenPolicy = { issuer: "hub-issuer", audience: "hub", maxTtlHours: 8 };

const cases: [string, Identity, TokenPolicy, RegExp | null][] = [
  ["a plain token under the open policy", base, open, null],
  [
    "no iat: the lifetime counts from now",
    { sub: "a", role: "operator", exp: now + 3600 },
    open,
    null,
  ],
  ["iss required and missing", base, strict, /'iss' must be 'hub-issuer'/],
  ["iss wrong", { ...base, iss: "other", aud: "hub" }, strict, /'iss'/],
  ["aud missing", { ...base, iss: "hub-issuer" }, strict, /'aud' must include 'hub'/],
  ["aud a string that differs", { ...base, iss: "hub-issuer", aud: "hubx" }, strict, /'aud'/],
  ["aud a list without it", { ...base, iss: "hub-issuer", aud: ["a", "b"] }, strict, /'aud'/],
  ["aud a list with it", { ...base, iss: "hub-issuer", aud: ["a", "hub"] }, strict, null],
  ["aud the string", { ...base, iss: "hub-issuer", aud: "hub" }, strict, null],
  [
    "lifetime exactly the limit",
    { ...base, exp: now + 8 * 3600 },
    { ...open, maxTtlHours: 8 },
    null,
  ],
  [
    "lifetime one second past the limit",
    { ...base, exp: now + 8 * 3600 + 1 },
    { ...open, maxTtlHours: 8 },
    /MAX_TOKEN_TTL_HOURS/,
  ],
  [
    "without iat, exp too far from now",
    { sub: "a", role: "admin", exp: now + 721 * 3600 },
    open,
    /MAX_TOKEN_TTL_HOURS/,
  ],
  [
    "an old iat with a long exp (lifetime from iat, not from now)",
    { ...base, iat: now - 700 * 3600, exp: now + 30 * 3600 },
    open,
    /MAX_TOKEN_TTL_HOURS/,
  ],
  ["iat within the skew", { ...base, iat: now + MAX_IAT_SKEW_SECONDS }, open, null],
  ["iat beyond the skew", { ...base, iat: now + MAX_IAT_SKEW_SECONDS + 1 }, open, /future/],
];

for (const [name, identity, policy, want] of cases) {
  Deno.test(`token policy: ${name}`, () => {
    const clean = Object.fromEntries(
      Object.entries(identity).filter(([, v]) => v !== undefined),
    ) as unknown as Identity;
    const why = policyViolation(clean, policy, NOW);
    if (want === null) assert.equal(why, null);
    else assert.match(why ?? "", want);
  });
}

Deno.test("checkPolicy throws unauthorized naming the rule; policyOf reads the config", () => {
  assert.throws(
    () => checkPolicy(base, strict, NOW),
    (e) => e instanceof ProtocolError && e.code === "unauthorized" && /iss/.test(e.message),
  );
  assert.deepEqual(
    policyOf({ authIssuer: "i", authAudience: "a", maxTokenTtlHours: 2 }),
    { issuer: "i", audience: "a", maxTtlHours: 2 },
  );
});
