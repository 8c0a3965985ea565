/**
 * Helpers of the people tests: tokens with `iat`, two server processes on
 * one database (Redis up, or `REDIS_URL` pointing where nothing answers),
 * connections that record how they closed, and the admin routes.
 * @module
 */
import assert from "node:assert/strict";
import { TokenAuthority } from "../../src/auth/jwt.ts";
import type { Role } from "../../src/protocol/types.ts";
import { freePort, type RunningServer, startServer, TEST_SECRET } from "../_support/server.ts";
import { TEST_REDIS_URL } from "../_support/services.ts";
import { TestClient } from "../_support/ws_client.ts";
import type { Backend } from "../integration/backends.ts";

/** Claims a test token may carry besides `sub` and `role`. */
export interface TokenOptions {
  /** `iat` in seconds (default: now); `null` leaves it out. */
  readonly iat?: number | null;
  /** Lifetime from now, seconds (default 3600). */
  readonly ttlSeconds?: number;
  /** `exp` in seconds (overrides ttlSeconds). */
  readonly exp?: number;
  /** `iss`. */
  readonly iss?: string;
  /** `aud`. */
  readonly aud?: string | string[];
}

/**
 * Mints a test token with `iat`.
 * @param sub the user
 * @param role the role
 * @param o the other claims
 * @returns the JWT
 */
export function token(sub: string, role: Role, o: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const iat = o.iat === undefined ? now : o.iat;
  return new TokenAuthority(TEST_SECRET).sign({
    sub,
    role,
    exp: o.exp ?? now + (o.ttlSeconds ?? 3600),
    ...(iat === null ? {} : { iat }),
    ...(o.iss === undefined ? {} : { iss: o.iss }),
    ...(o.aud === undefined ? {} : { aud: o.aud }),
  });
}

/** How the processes reach each other. */
export type BrokerMode = "redis-up" | "redis-down";

/**
 * The environment of a server process for a mode.
 * @param mode Redis up (the shared one) or down (a port where nothing listens)
 * @param backend the shared database
 * @returns the environment
 */
export function clusterEnv(mode: BrokerMode, backend: Backend): Record<string, string> {
  const redis = mode === "redis-up" ? TEST_REDIS_URL : `redis://127.0.0.1:${freePort()}`;
  return { ...backend.env, REDIS_URL: redis, LOG_LEVEL: "error" };
}

/** Starts two server processes on one database. */
export async function startPair(
  env: Record<string, string>,
): Promise<[RunningServer, RunningServer]> {
  const [a, b] = await Promise.all([startServer(env), startServer(env)]);
  return [a, b];
}

/** A welcomed connection and how it ended. */
export interface Session {
  readonly client: TestClient;
  /** When its close arrived (performance.now()), with code and reason. */
  readonly ended: Promise<{ at: number; code: number; reason: string }>;
}

/**
 * Opens a connection and says hello.
 * @param server the server
 * @param jwt the token
 * @returns the welcomed session
 */
export async function welcomed(server: RunningServer, jwt: string): Promise<Session> {
  const client = await TestClient.open(server.wsUrl);
  const ended = client.closed.then((ev) => ({
    at: performance.now(),
    code: ev.code,
    reason: ev.reason,
  }));
  await client.hello(jwt);
  return { client, ended };
}

/**
 * Says hello with a token that must be refused: `ERROR unauthorized`, then `4001`.
 * @param server the server
 * @param jwt the token
 * @returns the ERROR's message and the close's reason
 */
export async function refusedHello(
  server: RunningServer,
  jwt: string,
): Promise<{ message: string; reason: string }> {
  const client = await TestClient.open(server.wsUrl);
  const reply = await client.request({ type: "CL", token: jwt });
  assert.equal(reply.type, "ERROR", JSON.stringify(reply));
  assert.equal(reply.code, "unauthorized");
  const close = await client.closed;
  assert.equal(close.code, 4001);
  return { message: String(reply.message), reason: close.reason };
}

/**
 * An HTTP request with a bearer token.
 * @param url the URL
 * @param jwt the token, or null for none
 * @param init method and body
 * @returns the status and the parsed body (text when not JSON)
 */
export async function call(
  url: string,
  jwt: string | null,
  init: { method?: string; body?: string } = {},
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, {
    method: init.method ?? "GET",
    headers: {
      ...(jwt === null ? {} : { authorization: `Bearer ${jwt}` }),
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

/** One person of `GET /api/admin/people`. */
export interface PersonBody {
  user: string;
  roles: string[];
  connections: number;
  since: string | null;
  last_seen: string | null;
  revoked_at: string | null;
}

/**
 * Reads the people list until a condition holds.
 * @param server the server asked
 * @param admin an admin token
 * @param until the condition
 * @param timeoutMs how long to wait
 * @returns the list that satisfied it
 */
export async function peopleUntil(
  server: RunningServer,
  admin: string,
  until: (people: PersonBody[]) => boolean,
  timeoutMs = 8000,
): Promise<PersonBody[]> {
  const deadline = Date.now() + timeoutMs;
  let last: PersonBody[] = [];
  while (Date.now() < deadline) {
    const { status, body } = await call(`${server.url}/api/admin/people`, admin);
    assert.equal(status, 200, JSON.stringify(body));
    last = (body as { people: PersonBody[] }).people;
    if (until(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`people list never matched: ${JSON.stringify(last)}`);
}

/**
 * Waits until the wall clock is past the second of a moment, so a token minted now has a later `iat`.
 * @param ms the moment (ms since the epoch)
 */
export async function afterSecondOf(ms: number): Promise<void> {
  const next = (Math.floor(ms / 1000) + 1) * 1000;
  const wait = next - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait + 5));
}

/**
 * Revokes a user through `POST /api/admin/revoke`.
 * @param server the server asked
 * @param admin an admin token
 * @param user the user
 * @returns the stored moment (ms) and when the answer arrived (performance.now())
 */
export async function revoke(
  server: RunningServer,
  admin: string,
  user: string,
): Promise<{ revokedAt: number; sentAt: number }> {
  const sentAt = performance.now();
  const { status, body } = await call(`${server.url}/api/admin/revoke`, admin, {
    method: "POST",
    body: JSON.stringify({ user }),
  });
  assert.equal(status, 200, JSON.stringify(body));
  const b = body as { user: string; revoked_at: string };
  assert.equal(b.user, user);
  return { revokedAt: Date.parse(b.revoked_at), sentAt };
}
