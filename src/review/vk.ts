/**
 * VK: the `wall.getById` request for one post and the reading of its answer
 * (PROTOCOL.md §7). Pure: the request goes through `boundedGet`.
 * @module
 */
import { failed, fetched, type FetchResult } from "./fetch_result.ts";
import type { VkPostRef } from "./post_url.ts";

/** How to reach the VK API (`Config.vk`). */
export interface VkApi {
  /** `VK_API_BASE`, without a trailing slash. */
  readonly apiBase: string;
  /** `VK_API_TOKEN`: a secret, never logged. */
  readonly token: string;
  /** `VK_API_VERSION`. */
  readonly version: string;
}

/**
 * Builds `GET {VK_API_BASE}/method/wall.getById?posts=<owner>_<post>&access_token=…&v=…`.
 * @param api where VK is and the token
 * @param ref the post
 * @returns the request URL (it holds the token: never log it)
 */
export function vkRequestUrl(api: VkApi, ref: VkPostRef): string {
  const url = new URL(`${api.apiBase.replace(/\/+$/, "")}/method/wall.getById`);
  url.searchParams.set("posts", `${ref.owner}_${ref.post}`);
  url.searchParams.set("access_token", api.token);
  url.searchParams.set("v", api.version);
  return url.toString();
}

/**
 * Removes a secret from text that may quote a request URL (e.g. a fetch error).
 * @param text the text
 * @param token the secret
 * @returns the text without the secret
 */
export function redactToken(text: string, token: string): string {
  const withoutParam = text.replace(/access_token=[^&\s)"']*/g, "access_token=***");
  return token === "" ? withoutParam : withoutParam.split(token).join("***");
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function postText(item: unknown): string | null {
  if (!isObject(item)) return null;
  const text = typeof item.text === "string" ? item.text : null;
  // A repost keeps its own text empty and the original's in copy_history.
  if (text === "" && Array.isArray(item.copy_history) && isObject(item.copy_history[0])) {
    const original = item.copy_history[0].text;
    if (typeof original === "string") return original;
  }
  return text;
}

/**
 * Reads a `wall.getById` answer: `{response: {items: [...]}}` (API ≥ 5.x with
 * items) or the older `{response: [...]}`; `{error: {...}}` is a failure.
 * @param body the answer's text
 * @returns the post's text, or `api_error` / `not_found` / `parse_error`
 */
export function parseVkResponse(body: string): FetchResult {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return failed("parse_error", "VK answered with invalid JSON");
  }
  if (!isObject(json)) return failed("parse_error", "VK answered with a non-object");
  if (json.error !== undefined) {
    // request_params is not quoted: it echoes the request.
    const error = isObject(json.error) ? json.error : {};
    const code = typeof error.error_code === "number" ? error.error_code : "?";
    const msg = typeof error.error_msg === "string" ? error.error_msg.slice(0, 200) : "unknown";
    return failed("api_error", `VK error ${code}: ${msg}`);
  }
  const response = json.response;
  const items = Array.isArray(response)
    ? response
    : isObject(response) && Array.isArray(response.items)
    ? response.items
    : null;
  if (items === null) return failed("parse_error", "VK answer has no response items");
  if (items.length === 0) return failed("not_found", "VK has no such post (deleted or private)");
  const text = postText(items[0]);
  return text === null ? failed("parse_error", "VK post has no text field") : fetched(text);
}
