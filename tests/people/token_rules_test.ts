/**
 * The v1.2 token rules on a real server, on every door that takes a JWT
 * (`CL` on `/ws`, `/api/history`, `/stats`, `/api/dashboard`,
 * `/api/admin/people`, `POST /api/sr`): with `AUTH_ISSUER`,
 * `AUTH_AUDIENCE` and `MAX_TOKEN_TTL_HOURS` set, a token must carry that
 * `iss`, include that `aud` (a string or a list), live no longer than the
 * limit from its `iat` (or from now without one), and have an `iat` no
 * more than 60 s in the future.
 * @module
 */
import assert from "node:assert/strict";
import type { Role } from "../../src/protocol/types.ts";
import { type RunningServer, startServer } from "../_support/server.ts";
import { TestClient } from "../_support/ws_client.ts";
import { call, token, type TokenOptions } from "./_people.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const ISS = "reviews-app";
const AUD = "review-hub";

/** Whether every door lets the token in (true) or refuses it with 401 / 4001 (false); throws on a mix. */
async function admitted(
  server: RunningServer,
  o: TokenOptions,
  role: Role = "admin",
): Promise<boolean> {
  const jwt = await token("tess", role, o);
  const client = await TestClient.open(server.wsUrl);
  const reply = await client.request({ type: "CL", token: jwt });
  const ws = reply.type === "WELCOME";
  if (!ws) {
    assert.equal(reply.code, "unauthorized");
    assert.equal((await client.closed).code, 4001);
  } else {
    client.socket.close();
    await client.closed;
  }
  const doors = role === "module"
    ? [await call(`${server.url}/api/sr`, jwt, { method: "POST", body: '{"response_id": 424242}' })]
    : [
      await call(`${server.url}/api/history`, jwt),
      await call(`${server.url}/stats`, jwt),
      await call(`${server.url}/api/dashboard`, jwt),
      await call(`${server.url}/api/admin/people`, jwt),
    ];
  for (const d of doors) {
    if (ws) {
      assert.ok(d.status === 200 || d.status === 404, `${d.status} ${JSON.stringify(d.body)}`);
    } else assert.equal(d.status, 401, JSON.stringify(d.body));
  }
  return ws;
}

Deno.test("iss, aud, the lifetime limit and a future iat, on every door", opts, async () => {
  const server = await startServer({
    AUTH_ISSUER: ISS,
    AUTH_AUDIENCE: AUD,
    MAX_TOKEN_TTL_HOURS: "8",
  });
  try {
    const now = Math.floor(Date.now() / 1000);
    const good = { iss: ISS, aud: AUD };
    assert.equal(await admitted(server, good), true, "iss and aud as configured");
    assert.equal(await admitted(server, good, "module"), true, "a module token, on /api/sr");
    assert.equal(await admitted(server, { ...good, aud: ["other", AUD] }), true, "aud as a list");
    assert.equal(await admitted(server, { aud: AUD }), false, "no iss");
    assert.equal(await admitted(server, { ...good, iss: "someone-else" }), false, "wrong iss");
    assert.equal(await admitted(server, { iss: ISS }), false, "no aud");
    assert.equal(await admitted(server, { ...good, aud: ["other"] }), false, "aud list without it");
    assert.equal(await admitted(server, { ...good, aud: "review-hub-2" }), false, "wrong aud");
    assert.equal(await admitted(server, { ...good, ttlSeconds: 8 * 3600 }), true, "exactly 8 h");
    assert.equal(await admitted(server, { ...good, ttlSeconds: 8 * 3600 + 60 }), false, "over 8 h");
    assert.equal(
      await admitted(server, { ...good, ttlSeconds: 9 * 3600 }, "module"),
      false,
      "over 8 h, /api/sr",
    );
    assert.equal(
      await admitted(server, { ...good, iat: now - 7 * 3600, exp: now + 2 * 3600 }),
      false,
      "9 h from iat, though 2 h from now",
    );
    assert.equal(
      await admitted(server, { ...good, iat: null, exp: now + 7 * 3600 }),
      true,
      "no iat: counted from now",
    );
    assert.equal(
      await admitted(server, { ...good, iat: null, exp: now + 9 * 3600 }),
      false,
      "no iat, over the limit from now",
    );
    assert.equal(await admitted(server, { ...good, iat: now + 30 }), true, "iat 30 s ahead (skew)");
    assert.equal(await admitted(server, { ...good, iat: now + 120 }), false, "iat 2 min ahead");
    assert.equal(
      await admitted(server, { ...good, iat: now + 120 }, "module"),
      false,
      "iat 2 min ahead, /api/sr",
    );
    const c = await TestClient.open(server.wsUrl);
    const reply = await c.request({
      type: "CL",
      token: await token("tess", "operator", { ...good, iat: now + 600 }),
    });
    assert.match(reply.message, /'iat' is in the future/);
    await c.closed;
  } finally {
    await server.stop();
  }
});

Deno.test(
  "without AUTH_ISSUER/AUTH_AUDIENCE any iss/aud passes; the default limit is 720 h",
  opts,
  async () => {
    const server = await startServer();
    try {
      assert.equal(await admitted(server, { iss: "anyone", aud: ["x"] }), true);
      assert.equal(await admitted(server, { ttlSeconds: 720 * 3600 }), true);
      assert.equal(await admitted(server, { ttlSeconds: 720 * 3600 + 3600 }), false);
      const bad = await call(`${server.url}/api/admin/people`, "not-a-jwt");
      assert.equal(bad.status, 401);
    } finally {
      await server.stop();
    }
  },
);
