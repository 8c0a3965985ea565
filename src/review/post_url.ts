/**
 * Parsing of the post URLs other modules store in `responses.post_url`
 * (PROTOCOL.md §6) into the coordinates each platform's API needs. Pure: no
 * I/O, so every accepted and refused shape is table-tested.
 * @module
 */

/** A VK wall post: `owner` is negative for communities. */
export interface VkPostRef {
  /** Always `vk`. */
  readonly platform: "vk";
  /** The wall's owner id (negative for a community). */
  readonly owner: string;
  /** The post's id on that wall. */
  readonly post: string;
}

/** A public Telegram channel post. */
export interface TelegramPostRef {
  /** Always `telegram`. */
  readonly platform: "telegram";
  /** The public channel's name. */
  readonly channel: string;
  /** The post's number in the channel. */
  readonly post: string;
}

/** Where a post lives. */
export type PostRef = VkPostRef | TelegramPostRef;

/** The parse of a post URL: a reference, or why the URL is unusable. */
export type PostUrlParse =
  | { readonly ok: true; readonly ref: PostRef }
  | { readonly ok: false; readonly detail: string };

/** VK's own hosts: post URLs on them are parsed, and only they become card links. */
export const VK_HOSTS: ReadonlySet<string> = new Set([
  "vk.com",
  "www.vk.com",
  "m.vk.com",
  "vk.ru",
  "www.vk.ru",
  "m.vk.ru",
]);
/** Telegram's own hosts (`telegram.me` and `telegram.dog` are aliases of `t.me`). */
export const TELEGRAM_HOSTS: ReadonlySet<string> = new Set([
  "t.me",
  "www.t.me",
  "telegram.me",
  "www.telegram.me",
  "telegram.dog",
]);

/**
 * Whether a host is one of the platform's own.
 * @param platform `responses.platform`
 * @param hostname a URL's hostname
 * @returns true for VK's hosts on `vk`, Telegram's on `telegram`; false otherwise
 */
export function isPlatformHost(platform: string, hostname: string): boolean {
  const host = hostname.toLowerCase();
  switch (platform) {
    case "vk":
      return VK_HOSTS.has(host);
    case "telegram":
      return TELEGRAM_HOSTS.has(host);
    default:
      return false;
  }
}

/** `wall<owner>_<post>`: owner and post ids of at most 19 digits (64-bit). */
const VK_WALL = /^wall(-?[1-9]\d{0,18})_([1-9]\d{0,18})$/;
/** Telegram public usernames: letters, digits and underscores. */
const TG_CHANNEL = /^[A-Za-z][A-Za-z0-9_]{2,63}$/;
const TG_POST = /^[1-9]\d{0,18}$/;

const refuse = (detail: string): PostUrlParse => ({ ok: false, detail });

function parseHttpUrl(raw: string): URL | null {
  if (raw.length > 2048) return null;
  try {
    const url = new URL(raw.trim());
    return url.protocol === "https:" || url.protocol === "http:" ? url : null;
  } catch {
    return null;
  }
}

/**
 * Parses a VK post URL: `https://vk.com/wall-123_456`, `https://m.vk.com/wall1_2`,
 * or any VK page with `?w=wall-1_2` (a post opened over a community page).
 * @param raw the URL as stored
 * @returns the owner and post ids, or why the URL is refused
 */
export function parseVkPostUrl(raw: string): PostUrlParse {
  const url = parseHttpUrl(raw);
  if (!url) return refuse("not an http(s) URL");
  if (!isPlatformHost("vk", url.hostname)) return refuse(`not a VK host: ${url.hostname}`);
  const segments = url.pathname.split("/").filter(Boolean);
  const candidates = [url.searchParams.get("w"), segments.length === 1 ? segments[0] : null];
  for (const candidate of candidates) {
    const m = candidate ? VK_WALL.exec(candidate) : null;
    // VK_WALL's two groups are required, so a match has both.
    if (m) return { ok: true, ref: { platform: "vk", owner: m[1]!, post: m[2]! } };
  }
  return refuse("no wall<owner>_<post> in the URL");
}

/**
 * Parses a Telegram post URL: `https://t.me/<channel>/<post>` or the web
 * preview form `https://t.me/s/<channel>/<post>`. Private `t.me/c/…` links have
 * no public embed page and are refused.
 * @param raw the URL as stored
 * @returns the channel and post id, or why the URL is refused
 */
export function parseTelegramPostUrl(raw: string): PostUrlParse {
  const url = parseHttpUrl(raw);
  if (!url) return refuse("not an http(s) URL");
  if (!isPlatformHost("telegram", url.hostname)) {
    return refuse(`not a Telegram host: ${url.hostname}`);
  }
  const segments = url.pathname.split("/").filter(Boolean);
  const [channel, post] = segments[0] === "s" ? segments.slice(1) : segments;
  const expected = segments[0] === "s" ? 3 : 2;
  if (segments.length !== expected || !channel || !post) {
    return refuse("expected /<channel>/<post> or /s/<channel>/<post>");
  }
  if (!TG_CHANNEL.test(channel)) return refuse("not a public channel name");
  if (!TG_POST.test(post)) return refuse("the post id is not a positive integer");
  return { ok: true, ref: { platform: "telegram", channel, post } };
}

/**
 * Parses a post URL for the given platform.
 * @param platform `responses.platform` (anything else than vk/telegram is refused)
 * @param raw `responses.post_url`
 * @returns the post's coordinates, or why they cannot be had
 */
export function parsePostUrl(platform: string, raw: string): PostUrlParse {
  switch (platform) {
    case "vk":
      return parseVkPostUrl(raw);
    case "telegram":
      return parseTelegramPostUrl(raw);
    default:
      return refuse(`unknown platform '${platform.slice(0, 32)}'`);
  }
}
