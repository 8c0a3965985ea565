/**
 * Parsing of v1.2's publication commands (`UNDO`, `RETRY`, `TAKE`,
 * `PUBLISHED`, `PUBLISH_FAILED`): a parsed object in, a typed frame or a
 * `ProtocolError` out (`bad_frame` naming the field, `too_large` for a
 * string over its limit). No I/O; `decode.ts` hands these types here.
 * @module
 */
import { ProtocolError } from "./codes.ts";
import type { CommandId } from "./frames.ts";
import type { PublicationCommandFrame } from "./publication_frames.ts";
import { asResponseId, type Platform, type ResponseId } from "./types.ts";

/** Longest `PUBLISHED.platform_ref` (characters). */
export const MAX_PLATFORM_REF_CHARS = 128;
/** Longest `PUBLISHED.url` (characters). */
export const MAX_PUBLISHED_URL_CHARS = 512;
/** Longest `PUBLISH_FAILED.reason` (characters). */
export const MAX_FAILURE_REASON_CHARS = 1024;
/** Most jobs one `TAKE` may ask for. */
export const MAX_TAKE = 20;
/** Longest `retry_after_ms` (one day). */
export const MAX_RETRY_AFTER_MS = 86_400_000;
/** The highest attempt number a report may name (far above any `PUBLISH_MAX_ATTEMPTS`). */
export const MAX_ATTEMPT = 1_000_000;

/** The `type`s decoded here. */
export const PUBLICATION_COMMANDS = [
  "UNDO",
  "RETRY",
  "TAKE",
  "PUBLISHED",
  "PUBLISH_FAILED",
] as const;

const bad = (message: string) => new ProtocolError("bad_frame", message);

function responseId(raw: Record<string, unknown>): ResponseId {
  const v = raw.response_id;
  if (v === undefined) throw bad("field 'response_id' is required");
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v <= 0) {
    throw bad("field 'response_id' must be a positive integer");
  }
  return asResponseId(v);
}

function integer(
  raw: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
): number | undefined {
  const v = raw[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) {
    throw bad(`field '${field}' must be an integer from ${min} to ${max}`);
  }
  return v;
}

function string(raw: Record<string, unknown>, field: string, max: number): string | undefined {
  const v = raw[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw bad(`field '${field}' must be a string`);
  if (v.length > max) {
    throw new ProtocolError("too_large", `field '${field}' is longer than ${max} characters`);
  }
  return v;
}

function platforms(raw: Record<string, unknown>): Platform[] | undefined {
  const v = raw.platforms;
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length === 0 || v.length > 8) {
    throw bad("field 'platforms' must be a non-empty array of 'vk' and 'telegram'");
  }
  const out = new Set<Platform>();
  for (const p of v) {
    if (p !== "vk" && p !== "telegram") {
      throw bad("field 'platforms' may hold only 'vk' and 'telegram'");
    }
    out.add(p);
  }
  return [...out];
}

/**
 * Checks a published reply's URL apart from its host (which depends on the
 * response's platform: `platformHostAllowed`).
 * @param url the text
 * @returns the text
 * @throws {ProtocolError} `bad_frame` unless an https URL
 */
function httpsUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad("field 'url' must be an https URL");
  }
  if (parsed.protocol !== "https:" || parsed.username !== "" || parsed.password !== "") {
    throw bad("field 'url' must be an https URL without credentials");
  }
  return url;
}

/**
 * Decodes one publication command.
 * @param type its `type` (one of `PUBLICATION_COMMANDS`)
 * @param raw the parsed frame
 * @param id its command id, if any
 * @returns the typed frame
 * @throws {ProtocolError} `bad_frame` or `too_large` naming the field
 */
export function decodePublicationCommand(
  type: typeof PUBLICATION_COMMANDS[number],
  raw: Record<string, unknown>,
  id: CommandId | undefined,
): PublicationCommandFrame {
  const withId = id === undefined ? {} : { id };
  switch (type) {
    case "UNDO":
    case "RETRY":
      return { type, ...withId, response_id: responseId(raw) };
    case "TAKE": {
      const only = platforms(raw);
      const max = integer(raw, "max", 1, MAX_TAKE) ?? 1;
      return { type, ...withId, ...(only === undefined ? {} : { platforms: only }), max };
    }
    case "PUBLISHED": {
      const response_id = responseId(raw);
      const attempt = integer(raw, "attempt", 1, MAX_ATTEMPT);
      if (attempt === undefined) throw bad("field 'attempt' is required");
      const platform_ref = string(raw, "platform_ref", MAX_PLATFORM_REF_CHARS);
      const url = string(raw, "url", MAX_PUBLISHED_URL_CHARS);
      return {
        type,
        ...withId,
        response_id,
        attempt,
        ...(platform_ref === undefined ? {} : { platform_ref }),
        ...(url === undefined ? {} : { url: httpsUrl(url) }),
      };
    }
    case "PUBLISH_FAILED": {
      const response_id = responseId(raw);
      const attempt = integer(raw, "attempt", 1, MAX_ATTEMPT);
      if (attempt === undefined) throw bad("field 'attempt' is required");
      const reason = string(raw, "reason", MAX_FAILURE_REASON_CHARS);
      if (reason === undefined) throw bad("field 'reason' is required");
      const retryable = raw.retryable ?? true;
      if (typeof retryable !== "boolean") throw bad("field 'retryable' must be a boolean");
      const after = integer(raw, "retry_after_ms", 0, MAX_RETRY_AFTER_MS);
      return {
        type,
        ...withId,
        response_id,
        attempt,
        reason,
        retryable,
        ...(after === undefined ? {} : { retry_after_ms: after }),
      };
    }
    default: {
      const never: never = type;
      throw new TypeError(`unhandled publication command ${String(never)}`);
    }
  }
}

/** The hosts a platform's replies live on (`PUBLISHED.url` must name one, or a subdomain). */
const PLATFORM_HOSTS: Readonly<Record<string, readonly string[]>> = {
  vk: ["vk.com", "vk.ru", "vkontakte.ru"],
  telegram: ["t.me", "telegram.me", "telegram.org"],
};

/**
 * Whether a reply's URL is on its platform's own host.
 * @param platform the response's platform
 * @param url an https URL (decoded by `decodePublicationCommand`)
 * @returns true for the platform's hosts and their subdomains
 */
export function platformHostAllowed(platform: string, url: string): boolean {
  const hosts = PLATFORM_HOSTS[platform];
  if (hosts === undefined) return false;
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return hosts.some((h) => host === h || host.endsWith(`.${h}`));
}
