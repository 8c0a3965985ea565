/**
 * Telegram: the public embed page of a channel post and the extraction of the
 * post's text from it with an HTML parser (PROTOCOL.md §7).
 * @module
 */
import { type HTMLElement, type Node, NodeType, parse } from "node-html-parser";
import { failed, fetched, type FetchResult } from "./fetch_result.ts";
import type { TelegramPostRef } from "./post_url.ts";

/**
 * Builds `GET {TELEGRAM_BASE}/<channel>/<post>?embed=1`.
 * @param base `TELEGRAM_BASE`
 * @param ref the post
 * @returns the embed page's URL
 */
export function telegramEmbedUrl(base: string, ref: TelegramPostRef): string {
  const url = new URL(
    `${base.replace(/\/+$/, "")}/${encodeURIComponent(ref.channel)}/${ref.post}`,
  );
  url.searchParams.set("embed", "1");
  return url.toString();
}

const TEXT_CLASS = "tgme_widget_message_text";
/** A quoted message a post replies to: its text is not the post's. */
const REPLY_CLASS = "tgme_widget_message_reply";

function inReplyQuote(el: HTMLElement): boolean {
  for (let node: HTMLElement | null = el; node; node = node.parentNode) {
    if (node.classList?.contains(REPLY_CLASS)) return true;
  }
  return el.classList.contains("js-message_reply_text");
}

function textOf(node: Node): string {
  switch (node.nodeType) {
    case NodeType.TEXT_NODE:
      // `.text` decodes entities (&amp;, &#x1F600;) of the raw text.
      return node.text;
    case NodeType.ELEMENT_NODE: {
      const el = node as HTMLElement;
      if (el.rawTagName?.toLowerCase() === "br") return "\n";
      return el.childNodes.map(textOf).join("");
    }
    case NodeType.COMMENT_NODE:
      return "";
    default:
      return "";
  }
}

/**
 * Extracts a post's text from its embed page: the first `.tgme_widget_message_text`
 * outside a reply quote, `<br>` as newlines, entities decoded.
 * @param html the page
 * @returns the text (empty for a media-only post), `not_found` for Telegram's
 * error page, or `parse_error` for a page that is no embed page
 */
export function extractTelegramText(html: string): FetchResult {
  let root: HTMLElement;
  try {
    // parseNoneClosedTags keeps the content of a truncated page's open elements.
    root = parse(html, {
      parseNoneClosedTags: true,
      blockTextElements: { script: false, style: false, noscript: false },
    });
  } catch (e) {
    return failed("parse_error", `unreadable HTML: ${e instanceof Error ? e.message : e}`);
  }
  const textElement = root.querySelectorAll(`.${TEXT_CLASS}`).find((el) => !inReplyQuote(el));
  if (textElement) return fetched(textOf(textElement).trim());
  const error = root.querySelector(".tgme_widget_message_error");
  if (error) return failed("not_found", `Telegram: ${error.text.trim().slice(0, 200)}`);
  if (root.querySelector(".tgme_widget_message")) return fetched("");
  return failed("parse_error", "the page is not a Telegram post embed");
}
