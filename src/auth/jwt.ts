/**
 * HS256 JSON Web Tokens on Web Crypto (PROTOCOL.md §5): claims `sub`, `role`,
 * `exp`. Verification checks the header's `alg`, the signature in constant
 * time (Web Crypto's `verify`), the expiry and the claims' types.
 * @module
 */
import { ProtocolError } from "../protocol/codes.ts";
import { type Role, ROLES } from "../protocol/types.ts";

/** The verified identity a token carries. */
export interface Identity {
  /** The user the token names (its `sub` claim). */
  readonly sub: string;
  /** The role the token grants. */
  readonly role: Role;
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
  /** (v1.2) When it was issued, seconds since the epoch (`iat`), when the token says. */
  readonly iat?: number;
  /** (v1.2) Who issued it (`iss`), when the token says. */
  readonly iss?: string;
  /** (v1.2) Whom it is meant for (`aud`, one name or several), when the token says. */
  readonly aud?: string | readonly string[];
  /** (v1.2) The token's own id (`jti`), when the token says. */
  readonly jti?: string;
}

const encoder = new TextEncoder();
/** How many verified tokens are remembered (oldest forgotten first). */
const VERIFIED_CACHE_SIZE = 20_000;

function base64UrlEncode(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function base64UrlDecode(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("not base64url");
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function bad(why: string): ProtocolError {
  return new ProtocolError("unauthorized", `token rejected: ${why}`);
}

/** Anything that turns a token into the identity it carries (the authority, or the access gate). */
export interface TokenVerifier {
  /**
   * Verifies a token.
   * @param token the compact JWT
   * @param nowMs the current time (ms since the epoch)
   * @returns the identity it carries
   * @throws {ProtocolError} `unauthorized` when it is refused
   */
  verify(token: string, nowMs: number): Promise<Identity>;
}

/** Verifies and signs tokens with one secret. */
export class TokenAuthority implements TokenVerifier {
  readonly #key: Promise<CryptoKey>;
  /** Tokens already verified, so a reconnect storm does not recompute each HMAC. */
  readonly #verified = new Map<string, Identity>();

  /**
   * Creates an authority that signs and verifies with one secret.
   * @param secret the HS256 secret (`AUTH_SECRET`)
   * @throws {TypeError} when the secret is empty
   */
  constructor(secret: string) {
    if (secret.length === 0) throw new TypeError("an HS256 secret must not be empty");
    this.#key = crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
  }

  /**
   * Signs a token.
   * @param claims `sub`, `role` and `exp` (seconds since the epoch)
   * @returns the compact JWT
   */
  async sign(claims: Identity & Record<string, unknown>): Promise<string> {
    const header = base64UrlEncode(encoder.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));
    const payload = base64UrlEncode(encoder.encode(JSON.stringify(claims)));
    const signature = await crypto.subtle.sign(
      "HMAC",
      await this.#key,
      encoder.encode(`${header}.${payload}`),
    );
    return `${header}.${payload}.${base64UrlEncode(new Uint8Array(signature))}`;
  }

  /**
   * Verifies a token.
   * @param token the compact JWT
   * @param nowMs the current time (ms since the epoch)
   * @returns the identity it carries
   * @throws {ProtocolError} `unauthorized` for a malformed, forged or expired token
   */
  async verify(token: string, nowMs: number): Promise<Identity> {
    const known = this.#verified.get(token);
    if (known) {
      if (known.exp * 1000 > nowMs) return known;
      this.#verified.delete(token);
      throw bad("expired");
    }
    const identity = await this.#verifyFully(token, nowMs);
    if (this.#verified.size >= VERIFIED_CACHE_SIZE) {
      this.#verified.delete(this.#verified.keys().next().value!);
    }
    this.#verified.set(token, identity);
    return identity;
  }

  async #verifyFully(token: string, nowMs: number): Promise<Identity> {
    const parts = token.split(".");
    const [headerPart, claimsPart, signaturePart] = parts;
    if (
      parts.length !== 3 || headerPart === undefined || claimsPart === undefined ||
      signaturePart === undefined
    ) throw bad("malformed");
    let header: unknown, claims: unknown, signature: Uint8Array<ArrayBuffer>;
    try {
      header = JSON.parse(new TextDecoder().decode(base64UrlDecode(headerPart)));
      claims = JSON.parse(new TextDecoder().decode(base64UrlDecode(claimsPart)));
      signature = base64UrlDecode(signaturePart);
    } catch {
      throw bad("malformed");
    }
    if (
      typeof header !== "object" || header === null || (header as { alg?: unknown }).alg !== "HS256"
    ) {
      throw bad("algorithm must be HS256");
    }
    const ok = await crypto.subtle.verify(
      "HMAC",
      await this.#key,
      signature,
      encoder.encode(`${parts[0]}.${parts[1]}`),
    );
    if (!ok) throw bad("bad signature");
    if (typeof claims !== "object" || claims === null) throw bad("claims must be an object");
    const { sub, role, exp, iat, iss, aud, jti } = claims as Record<string, unknown>;
    if (typeof sub !== "string" || sub.length === 0 || sub.length > 255) {
      throw bad("claim 'sub' must be a non-empty string");
    }
    if (!(ROLES as readonly unknown[]).includes(role)) {
      throw bad(`claim 'role' must be one of ${ROLES.join(", ")}`);
    }
    if (typeof exp !== "number" || !Number.isFinite(exp)) throw bad("claim 'exp' is required");
    if (exp * 1000 <= nowMs) throw bad("expired");
    if (iat !== undefined && (typeof iat !== "number" || !Number.isFinite(iat))) {
      throw bad("claim 'iat' must be a number");
    }
    if (iss !== undefined && typeof iss !== "string") throw bad("claim 'iss' must be a string");
    if (
      aud !== undefined && typeof aud !== "string" &&
      !(Array.isArray(aud) && aud.length <= 64 && aud.every((a) => typeof a === "string"))
    ) throw bad("claim 'aud' must be a string or a list of strings");
    if (jti !== undefined && typeof jti !== "string") throw bad("claim 'jti' must be a string");
    return {
      sub,
      role: role as Role,
      exp,
      ...(iat === undefined ? {} : { iat: iat as number }),
      ...(iss === undefined ? {} : { iss: iss as string }),
      ...(aud === undefined ? {} : { aud: aud as string | string[] }),
      ...(jti === undefined ? {} : { jti: jti as string }),
    };
  }
}

/**
 * Makes a random secret for development mode (no `AUTH_SECRET`).
 * @returns 32 random bytes, base64url
 */
export function randomSecret(): string {
  return base64UrlEncode(crypto.getRandomValues(new Uint8Array(32)));
}
