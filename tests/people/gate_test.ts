import assert from "node:assert/strict";
import { TokenAuthority } from "../../src/auth/jwt.ts";
import { ProtocolError } from "../../src/protocol/codes.ts";
import { AccessGate } from "../../src/people/gate.ts";
import { RevocationList, RevokedTokenError } from "../../src/people/revocations.ts";
import { DEFAULT_POLICY } from "../../src/people/token_policy.ts";

const NOW = 1_800_000_000_000;
const authority = new TokenAuthority("g".repeat(32));
const sign = (o: Record<string, unknown> = {}) =>
  authority.sign({
    sub: "alice",
    role: "operator",
    exp: NOW / 1000 + 60,
    iat: NOW / 1000 - 10,
    ...o,
  });

Deno.test("the gate refuses until the revocations are read, then applies them on every call", async () => {
  const revocations = new RevocationList();
  const gate = new AccessGate({ authority, policy: DEFAULT_POLICY, revocations });
  const jwt = await sign();
  await assert.rejects(
    gate.verify(jwt, NOW),
    (e) => e instanceof ProtocolError && e.code === "unavailable",
  );
  revocations.markLoaded();
  assert.equal((await gate.verify(jwt, NOW)).sub, "alice");
  // The signature is cached now; the revocation must still apply.
  revocations.record("alice", NOW);
  await assert.rejects(
    gate.verify(jwt, NOW),
    (e) => e instanceof RevokedTokenError && e.code === "unauthorized" && /revoked/.test(e.message),
  );
  const later = await sign({ iat: NOW / 1000 + 1 });
  assert.equal((await gate.verify(later, NOW)).iat, NOW / 1000 + 1);
});

Deno.test("the gate applies the policy also to a token whose signature was verified before", async () => {
  const revocations = new RevocationList();
  revocations.markLoaded();
  const jwt = await sign({ exp: NOW / 1000 + 3 * 3600 });
  const open = new AccessGate({ authority, policy: DEFAULT_POLICY, revocations });
  await open.verify(jwt, NOW);
  const strict = new AccessGate({
    authority,
    policy: { issuer: "", audience: "", maxTtlHours: 2 },
    revocations,
  });
  await assert.rejects(strict.verify(jwt, NOW), /MAX_TOKEN_TTL_HOURS/);
  await assert.rejects(strict.verify("junk", NOW), /malformed/);
});
