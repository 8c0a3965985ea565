import assert from "node:assert/strict";
import { randomSecret, TokenAuthority } from "../../src/auth/jwt.ts";
import { ProtocolError } from "../../src/protocol/codes.ts";

const NOW = 1_700_000_000_000;
const exp = NOW / 1000 + 60;

async function rejects(p: Promise<unknown>, why: RegExp) {
  await assert.rejects(
    p,
    (e: unknown) => e instanceof ProtocolError && e.code === "unauthorized" && why.test(e.message),
  );
}

Deno.test("a signed token verifies to its identity", async () => {
  const a = new TokenAuthority("s3cret");
  const token = await a.sign({ sub: "alice", role: "operator", exp });
  assert.deepEqual(await a.verify(token, NOW), { sub: "alice", role: "operator", exp });
});

Deno.test("forged, expired, malformed and ill-typed tokens are unauthorized", async () => {
  const a = new TokenAuthority("s3cret");
  const other = new TokenAuthority("another");
  const b64 = (o: unknown) =>
    btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  const good = await a.sign({ sub: "alice", role: "operator", exp });
  const [h, , s] = good.split(".");
  await rejects(
    a.verify(await other.sign({ sub: "alice", role: "operator", exp }), NOW),
    /signature/,
  );
  await rejects(
    a.verify(await a.sign({ sub: "alice", role: "operator", exp: NOW / 1000 - 1 }), NOW),
    /expired/,
  );
  await rejects(a.verify("garbage", NOW), /malformed/);
  await rejects(a.verify("a.b.c", NOW), /malformed/);
  await rejects(
    a.verify(`${h}.${b64({ sub: "alice", role: "admin", exp })}.${s}`, NOW),
    /signature/,
  );
  await rejects(
    a.verify(`${b64({ alg: "none" })}.${b64({ sub: "x", role: "operator", exp })}.`, NOW),
    /HS256/,
  );
  await rejects(
    a.verify(await a.sign({ sub: "alice", role: "root" as "operator", exp }), NOW),
    /role/,
  );
  assert.equal(
    (await a.verify(await a.sign({ sub: "ann", role: "admin", exp }), NOW)).role,
    "admin",
  );
  await rejects(a.verify(await a.sign({ sub: "", role: "operator", exp }), NOW), /sub/);
  await rejects(
    a.verify(await a.sign({ sub: "x", role: "module", exp: "soon" as unknown as number }), NOW),
    /exp/,
  );
});

Deno.test("development secrets are random and non-empty; an empty secret is refused", () => {
  assert.notEqual(randomSecret(), randomSecret());
  assert.ok(randomSecret().length >= 40);
  assert.throws(() => new TokenAuthority(""), TypeError);
});

Deno.test("a remembered token still expires, and a forged twin is not taken for it", async () => {
  const a = new TokenAuthority("s3cret");
  const token = await a.sign({ sub: "alice", role: "operator", exp });
  assert.equal((await a.verify(token, NOW)).sub, "alice");
  assert.equal((await a.verify(token, NOW)).sub, "alice", "from memory");
  await rejects(a.verify(token, exp * 1000), /expired/);
  const forged = token.slice(0, -2) + (token.endsWith("AA") ? "BB" : "AA");
  await rejects(a.verify(forged, NOW), /signature|malformed/);
});
