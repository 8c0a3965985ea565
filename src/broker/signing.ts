/**
 * Authentication of broker messages: HMAC-SHA256 with a key derived from
 * `AUTH_SECRET` by HKDF-SHA256 (Web Crypto), its `info` naming this one
 * purpose, so the key signs nothing but broker messages and the JWT key is
 * never used for them.
 *
 * The tag covers the log's epoch, the event's `seq` and the frame's exact
 * text, each delimited so no two triples share a byte string. A message can
 * therefore only be replayed as itself: same epoch, same `seq`, same frame,
 * which is what the log holds at that `seq`.
 *
 * Payload on the transport: `<tag: 43 base64url chars>\n<frame>`.
 * @module
 */
import type { Seq } from "../protocol/types.ts";
import type { AuthenticFrame } from "./broker.ts";

/** HKDF `info`: the key's single purpose (and format version). */
export const BROKER_KEY_INFO = "wsserver broker message authentication, HMAC-SHA256, v1";
/** HKDF salt: fixed, so every process derives the same key from the same secret. */
const SALT = "wsserver/broker";
/** Length of a base64url HMAC-SHA256 tag without padding. */
const TAG_CHARS = 43;
const TAG_PATTERN = /^[A-Za-z0-9_-]{43}$/;

const utf8 = new TextEncoder();

/** Why a payload was refused (a metrics label). */
export type RejectReason = "malformed" | "signature";

/** The outcome of opening a payload. */
export type Opened =
  | { readonly ok: true; readonly frame: AuthenticFrame }
  | { readonly ok: false; readonly reason: RejectReason };

/**
 * Derives the broker's HMAC key from the shared secret.
 * @param secret `AUTH_SECRET` (or development mode's per-run secret)
 * @returns a non-extractable HMAC-SHA256 key for sign and verify
 * @throws {TypeError} when the secret is empty
 */
export async function deriveBrokerKey(secret: string): Promise<CryptoKey> {
  if (secret === "") throw new TypeError("deriveBrokerKey: the secret is empty");
  const base = await crypto.subtle.importKey("raw", utf8.encode(secret), "HKDF", false, [
    "deriveKey",
  ]);
  return await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: utf8.encode(SALT), info: utf8.encode(BROKER_KEY_INFO) },
    base,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign", "verify"],
  );
}

/**
 * The bytes the tag covers: `<epoch length>:<epoch>\n<seq>\n<frame>`.
 * The epoch is length-prefixed and the seq is digits ending at `\n`, so the
 * encoding is injective.
 */
function signedBytes(epoch: string, seq: Seq, frame: string): Uint8Array<ArrayBuffer> {
  return utf8.encode(`${epoch.length}:${epoch}\n${seq}\n${frame}`);
}

/**
 * Signs an event for the transport.
 * @param key from `deriveBrokerKey`
 * @param epoch the log's epoch
 * @param seq the event's position
 * @param frame the event's frame text as stored
 * @returns the payload `<tag>\n<frame>`
 */
export async function sealPayload(
  key: CryptoKey,
  epoch: string,
  seq: Seq,
  frame: string,
): Promise<string> {
  const tag = await crypto.subtle.sign("HMAC", key, signedBytes(epoch, seq, frame));
  return `${toBase64Url(new Uint8Array(tag))}\n${frame}`;
}

/**
 * Checks a payload received for `seq` on `epoch`'s channel.
 * @param key from `deriveBrokerKey`
 * @param epoch the log's epoch
 * @param seq the seq the message names
 * @param payload what the transport delivered
 * @returns the authentic frame, or why it was refused
 */
export async function openPayload(
  key: CryptoKey,
  epoch: string,
  seq: Seq,
  payload: string,
): Promise<Opened> {
  const head = payload.slice(0, TAG_CHARS);
  const frame = payload.slice(TAG_CHARS + 1);
  if (payload.charAt(TAG_CHARS) !== "\n" || !TAG_PATTERN.test(head) || frame === "") {
    return { ok: false, reason: "malformed" };
  }
  const tag = fromBase64Url(head);
  if (tag === null || tag.length !== 32) return { ok: false, reason: "malformed" };
  // Web Crypto's verify compares in constant time.
  const valid = await crypto.subtle.verify("HMAC", key, tag, signedBytes(epoch, seq, frame));
  return valid ? { ok: true, frame: frame as AuthenticFrame } : { ok: false, reason: "signature" };
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  try {
    const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/") + "=");
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}
