/**
 * Long texts in a card (the post, the proposed reply) shown collapsed to a few
 * lines, with a control to expand them; nothing is cut: the whole text stays in
 * the element, CSS only clips it. Judged by characters and lines, so no layout
 * is read while cards are made.
 * @module
 */
import { h } from "./dom.ts";

/** Texts longer than this (characters) are collapsed. */
export const COLLAPSE_CHARS = 400;
/** Texts of more lines than this are collapsed. */
export const COLLAPSE_LINES = 6;

/**
 * Whether a text is long enough to collapse.
 * @param text the text
 * @returns true when it is
 */
export function isLong(text: string): boolean {
  if (text.length > COLLAPSE_CHARS) return true;
  let lines = 1;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) {
    if (++lines > COLLAPSE_LINES) return true;
  }
  return false;
}

/**
 * Collapses the long texts of a card and adds their expand controls.
 * @param el the card (or any element holding `.card-post-text`, `.card-reply-text`)
 */
export function collapseLong(el: HTMLElement): void {
  for (const text of el.querySelectorAll<HTMLElement>(".card-post-text, .card-reply-text")) {
    const content = text.textContent ?? "";
    if (!isLong(content)) continue;
    text.dataset.collapsed = "true";
    text.id ||= `t-${Math.random().toString(36).slice(2, 10)}`;
    text.after(
      h("button", {
        type: "button",
        class: "btn btn-small btn-expand",
        "data-action": "expand",
        "aria-expanded": "false",
        "aria-controls": text.id,
      }, `Show all (${content.length} characters)`),
    );
  }
}

/**
 * Expands or collapses the text before an expand control.
 * @param button the `[data-action="expand"]` control
 */
export function toggleCollapsed(button: HTMLElement): void {
  const text = button.previousElementSibling as HTMLElement | null;
  if (!text) return;
  const expand = text.dataset.collapsed === "true";
  text.dataset.collapsed = expand ? "false" : "true";
  button.setAttribute("aria-expanded", String(expand));
  const length = (text.textContent ?? "").length;
  button.textContent = expand ? "Show less" : `Show all (${length} characters)`;
}
