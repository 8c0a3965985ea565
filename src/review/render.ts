/**
 * Rendering of review cards from `templates/card.njk` with nunjucks, with
 * autoescaping on: post text, author and reply text are data, never markup
 * (PROTOCOL.md §3.2). The template is the card's content only; the operator
 * page adds the `data-response-id` wrapper and the controls.
 * @module
 */
import { fileURLToPath } from "node:url";
import nunjucks from "nunjucks";
import type { ResponseRow } from "../store/rows.ts";
import { isPlatformHost } from "./post_url.ts";
import { asSafeHtml, type SafeHtml } from "../protocol/types.ts";

/** The templates directory of this checkout, whatever the working directory. */
export const DEFAULT_TEMPLATES_DIR: URL = new URL("../../templates/", import.meta.url);

/** What the card shows about the post besides the row. */
export interface CardOptions {
  /** The post's text (fetched or stored), or `null` when there is none. */
  readonly postText: string | null;
  /** Whether fetching the text failed: the card says it is unavailable. */
  readonly unavailable: boolean;
}

/** Renders the cards of the review hub. */
export interface Renderer {
  /**
   * Renders a card's content.
   * @param row the response as stored
   * @param opts the post's text and whether it is unavailable
   * @returns escaped HTML
   * @throws {Error} when the template is missing or broken (a deployment fault)
   */
  renderCard(row: ResponseRow, opts: CardOptions): SafeHtml;
}

const PLATFORM_LABELS: Readonly<Record<string, string>> = { vk: "VK", telegram: "Telegram" };

/**
 * Most characters of a post's text a card shows (issue 13, row M7): the rest
 * is cut server-side with a marker, so a card's size (and a `SNAPSHOT`'s)
 * stays bounded whatever a post holds. Only the displayed post text and
 * author are cut, never the reply text a decision is about.
 */
export const MAX_CARD_POST_CHARS = 4000;
/** Most characters of an author's name a card shows. */
export const MAX_CARD_AUTHOR_CHARS = 200;

/**
 * Text cut to `max` characters (never inside a surrogate pair), with a marker saying so.
 * @param text the text
 * @param max the most characters kept
 * @returns the text, or its start and `... [truncated]`
 */
export function truncateForDisplay(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const unit = text.charCodeAt(end - 1);
  if (unit >= 0xd800 && unit <= 0xdbff) end--;
  return `${text.slice(0, end)}... [truncated]`;
}

/**
 * `post_url` as a link target: only https on the platform's own hosts (no
 * credentials, no port), so a card never sends an operator to a look-alike
 * or a `javascript:` URL; anything else stays plain text.
 * @param platform `responses.platform`
 * @param postUrl `responses.post_url`
 * @returns the link target, or `""` for none
 */
export function linkTarget(platform: string, postUrl: string): string {
  let url: URL;
  try {
    url = new URL(postUrl.trim());
  } catch {
    return "";
  }
  const plain = url.protocol === "https:" && url.username === "" && url.password === "" &&
    url.port === "";
  return plain && isPlatformHost(platform, url.hostname) ? url.href : "";
}

function postState(opts: CardOptions): "text" | "empty" | "unavailable" {
  if (opts.unavailable || opts.postText === null) return "unavailable";
  return opts.postText.trim() === "" ? "empty" : "text";
}

function timeFields(at: Date): { createdIso: string; createdLabel: string } {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
    return { createdIso: "", createdLabel: "time unknown" };
  }
  const iso = at.toISOString();
  return { createdIso: iso, createdLabel: `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` };
}

/**
 * Builds the template context: every value a string (so `throwOnUndefined`
 * catches a misspelt name), every choice made here rather than in the template.
 */
function cardContext(row: ResponseRow, opts: CardOptions): Record<string, string> {
  const label = Object.hasOwn(PLATFORM_LABELS, row.platform)
    ? PLATFORM_LABELS[row.platform]
    : undefined;
  return {
    platformClass: label !== undefined ? row.platform : "other",
    platformLabel: label ?? String(row.platform),
    postUrl: String(row.post_url),
    postHref: linkTarget(String(row.platform), String(row.post_url)),
    postState: postState(opts),
    postText: truncateForDisplay(opts.postText ?? "", MAX_CARD_POST_CHARS),
    author: truncateForDisplay(row.author ?? "", MAX_CARD_AUTHOR_CHARS),
    replyText: String(row.response_text ?? ""),
    ...timeFields(row.created_at),
  };
}

/**
 * Creates a renderer over a templates directory: autoescape on, undefined
 * values are errors, templates cached after the first load, no file watching.
 * @param templatesDir the directory holding `card.njk` (this checkout's `templates/` by default)
 * @returns the renderer
 */
export function createRenderer(templatesDir: string | URL = DEFAULT_TEMPLATES_DIR): Renderer {
  const dir = templatesDir instanceof URL ? fileURLToPath(templatesDir) : templatesDir;
  const env = new nunjucks.Environment(
    new nunjucks.FileSystemLoader(dir, { noCache: false, watch: false }),
    { autoescape: true, throwOnUndefined: true },
  );
  // Compiled on first use and kept: `env.render` looked the template up on
  // every card (3.3× the render itself, measured warm).
  let card: nunjucks.Template | null = null;
  return {
    renderCard(row, opts) {
      card ??= env.getTemplate("card.njk", true);
      return asSafeHtml(String(card.render(cardContext(row, opts))).trim());
    },
  };
}
