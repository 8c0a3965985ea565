/**
 * `Authorization: Bearer …` on the HTTP routes (PROTOCOL.md §2): a role check
 * for `/stats` (401 without a valid token, 403 for another role) and a
 * constant-time comparison for the static `METRICS_TOKEN`.
 * @module
 */
import type { Identity, TokenVerifier } from "../auth/jwt.ts";
import { errorFrame } from "../commands/errors.ts";
import { HTTP_STATUS_OF, ProtocolError } from "../protocol/codes.ts";
import type { ErrorFrame } from "../protocol/frames.ts";
import type { Role } from "../protocol/types.ts";

/** Longest `Authorization` header looked at; a JWT of this hub is far shorter. */
const MAX_AUTHORIZATION_LENGTH = 8192;

/** The outcome of an access check: the caller's identity, or the response that refuses it. */
export type Access =
  | { readonly ok: true; readonly identity: Identity }
  | { readonly ok: false; readonly response: Response };

/**
 * The token of an `Authorization: Bearer <token>` header.
 * @param req the request
 * @returns the token, or `null` when the header is missing or not a bearer token
 */
export function bearerToken(req: Request): string | null {
  const header = req.headers.get("authorization");
  if (header === null || header.length > MAX_AUTHORIZATION_LENGTH) return null;
  return /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header)?.[1] ?? null;
}

/**
 * Checks that the request carries a valid token of one of the given roles:
 * the one bearer → role check of every HTTP route that takes a JWT.
 * @param req the request
 * @param roles the roles allowed
 * @param auth verifies tokens (the access gate: signature, policy, revocation)
 * @param nowMs the current time, ms since the epoch
 * @returns the identity, or a 401 (`unauthorized`) / 403 (`forbidden`) JSON response
 */
export async function requireRole(
  req: Request,
  roles: readonly Role[],
  auth: TokenVerifier,
  nowMs: number,
): Promise<Access> {
  const token = bearerToken(req);
  if (token === null) {
    return refuse(errorFrame(undefined, "unauthorized", "Authorization: Bearer <token> required"));
  }
  let identity: Identity;
  try {
    identity = await auth.verify(token, nowMs);
  } catch (e) {
    const code = e instanceof ProtocolError && e.code === "unavailable" ? e.code : "unauthorized";
    return refuse(errorFrame(undefined, code, (e as Error).message));
  }
  if (!roles.includes(identity.role)) {
    return refuse(errorFrame(undefined, "forbidden", `needs the role ${roles.join(" or ")}`));
  }
  return { ok: true, identity };
}

/**
 * Whether `given` equals `expected`, in time that depends on neither: both are
 * hashed first, so not even the length of the secret shows in the timing.
 * @param given what the client sent
 * @param expected the configured secret
 * @returns true when they are equal
 */
export async function matchesSecret(given: string, expected: string): Promise<boolean> {
  const enc = new TextEncoder();
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", enc.encode(given)),
    crypto.subtle.digest("SHA-256", enc.encode(expected)),
  ]);
  const x = new Uint8Array(a), y = new Uint8Array(b);
  let diff = 0;
  // Both are SHA-256 digests, 32 bytes each, so y has every index x has.
  x.forEach((byte, i) => diff |= byte ^ y[i]!);
  return diff === 0;
}

/**
 * Checks a static bearer secret (`METRICS_TOKEN`); an empty secret lets everyone in.
 * @param req the request
 * @param secret the configured secret, or `""` for none
 * @returns null when allowed, else the 401 response
 */
export async function requireSecret(req: Request, secret: string): Promise<Response | null> {
  if (secret === "") return null;
  const token = bearerToken(req);
  if (token !== null && await matchesSecret(token, secret)) return null;
  return refuse(
    errorFrame(undefined, "unauthorized", "Authorization: Bearer <METRICS_TOKEN> required"),
  )
    .response;
}

function refuse(frame: ErrorFrame): { ok: false; response: Response } {
  const status = HTTP_STATUS_OF[frame.code];
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
  if (status === 401) headers["www-authenticate"] = 'Bearer realm="review-hub"';
  return { ok: false, response: new Response(JSON.stringify(frame), { status, headers }) };
}
