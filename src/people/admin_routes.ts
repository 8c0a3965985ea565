/**
 * The admin's people routes (PROTOCOL.md §2, v1.2), for `admin` tokens
 * only (`401` without a valid token, `403` for another role):
 * - `GET /api/admin/people`: everyone connected to any process sharing the
 *   database, and everyone revoked (`people_list.ts`);
 * - `POST /api/admin/revoke` with `{"user": string}`: revokes the user from
 *   now on, on every process; `200 {"user", "revoked_at"}`, `400`
 *   `bad_frame` for a body that is not that (over 4 KiB included).
 * @module
 */
import type { TokenVerifier } from "../auth/jwt.ts";
import type { Clock } from "../clock.ts";
import { errorFrame } from "../commands/errors.ts";
import type { ClientFigure } from "../dashboard/figures.ts";
import { requireRole } from "../http/bearer.ts";
import type { Logger } from "../logging/logger.ts";
import { HTTP_STATUS_OF } from "../protocol/codes.ts";
import type { ErrorFrame } from "../protocol/frames.ts";
import type { RevokeBody } from "../protocol/http_bodies.ts";
import { StoreUnavailableError } from "../store/store.ts";
import { MAX_REVOKED_USER_LENGTH } from "../store/sql_revocations.ts";
import { peopleOf } from "./people_list.ts";
import type { RevocationList } from "./revocations.ts";
import type { RevocationService } from "./revocation_sync.ts";

/** The largest revoke body read (bytes); `{"user": <255 characters>}` is far under it. */
export const MAX_REVOKE_BODY_BYTES = 4096;

/** Where the connections of every process are read. */
export interface ConnectionsSource {
  /** The alive connections of every process sharing the database. */
  connections(): Promise<readonly ClientFigure[]>;
}

/** What the routes need. */
export interface AdminRouteDeps {
  /** Verifies tokens (the access gate). */
  readonly auth: TokenVerifier;
  /** Time, for the tokens. */
  readonly clock: Clock;
  /** Who is connected, cluster-wide. */
  readonly connections: ConnectionsSource;
  /** The revocations known here. */
  readonly revocations: RevocationList;
  /** Stores and spreads a revocation. */
  readonly service: RevocationService;
  /** Where failures are reported. */
  readonly logger: Logger;
}

const JSON_HEADERS = {
  "content-type": "application/json; charset=utf-8",
  "cache-control": "no-store",
};

function answer(body: unknown, status: number): Response {
  return new Response(JSON.stringify(body), { status, headers: JSON_HEADERS });
}

function problem(frame: ErrorFrame): Response {
  return answer(frame, HTTP_STATUS_OF[frame.code]);
}

/**
 * Answers the admin people routes.
 * @param req the request
 * @param path its path
 * @param d the dependencies
 * @returns the response, or null for a path that is not one of them
 */
export async function adminRoute(
  req: Request,
  path: string,
  d: AdminRouteDeps,
): Promise<Response | null> {
  if (path !== "/api/admin/people" && path !== "/api/admin/revoke") return null;
  const wanted = path === "/api/admin/people" ? "GET" : "POST";
  if (req.method !== wanted && !(wanted === "GET" && req.method === "HEAD")) {
    await req.body?.cancel();
    return new Response("method not allowed\n", { status: 405, headers: { allow: wanted } });
  }
  const access = await requireRole(req, ["admin"], d.auth, d.clock.now());
  if (!access.ok) {
    await req.body?.cancel();
    return access.response;
  }
  if (wanted === "GET") {
    return answer(peopleOf(await d.connections.connections(), d.revocations.list()), 200);
  }
  const user = await readRevokeBody(req);
  if (typeof user !== "string") return problem(errorFrame(undefined, "bad_frame", user.why));
  try {
    const revocation = await d.service.revoke(user);
    d.logger.info("access revoked", { user, by: access.identity.sub });
    const body: RevokeBody = { user, revoked_at: new Date(revocation.revokedAt).toISOString() };
    return answer(body, 200);
  } catch (e) {
    if (e instanceof StoreUnavailableError) {
      return problem(errorFrame(undefined, "unavailable", "the database does not answer"));
    }
    throw e;
  }
}

/**
 * Reads `{"user": string}` within `MAX_REVOKE_BODY_BYTES`.
 * @param req the request
 * @returns the user, or why the body is refused
 */
export async function readRevokeBody(req: Request): Promise<string | { why: string }> {
  if (!req.body) return { why: 'body {"user": string} required' };
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req.body) {
    size += chunk.length;
    if (size > MAX_REVOKE_BODY_BYTES) return { why: `body over ${MAX_REVOKE_BODY_BYTES} bytes` };
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    bytes.set(c, off);
    off += c.length;
  }
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return { why: 'body must be JSON {"user": string}' };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { why: 'body must be a JSON object {"user": string}' };
  }
  const user = (body as Record<string, unknown>).user;
  if (typeof user !== "string" || user.length === 0 || user.length > MAX_REVOKED_USER_LENGTH) {
    return { why: `field 'user' must be a string of 1–${MAX_REVOKED_USER_LENGTH} characters` };
  }
  return user;
}
