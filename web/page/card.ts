/**
 * One card element: the server's card HTML (content only) wrapped in the
 * page's own `<article data-response-id>` with its controls (PROTOCOL.md §2
 * hooks). The server's HTML is the only markup the page inserts: the server
 * rendered it with autoescaping, so post text, author and reply are text.
 * @module
 */
import type { Card } from "../sdk/mod.ts";
import { h } from "./dom.ts";

/** The actions of a card, as in its buttons' `data-action`. */
export type CardAction = "approve" | "reject" | "edit";

/** Longest edited reply the protocol accepts (characters). */
const MAX_TEXT = 4096;
/** Longest reason the protocol accepts (characters). */
const MAX_REASON = 1024;

/**
 * Makes a card element.
 * @param card the card from `SNAPSHOT` or a `pending` event
 * @returns the element, with `data-response-id`
 */
export function createCard(card: Card): HTMLElement {
  const id = String(card.response_id);
  const content = h("div", { class: "card-content" });
  // The one markup insertion of the page: escaped by the server's templates (PROTOCOL.md §3.2).
  content.innerHTML = card.html;
  return h(
    "article",
    {
      class: "card",
      "data-response-id": id,
      "aria-labelledby": `card-${id}-title`,
      tabindex: "-1",
    },
    h("h2", { class: "card-title", id: `card-${id}-title` }, `Reply #${id}`),
    content,
    h(
      "div",
      { class: "card-actions" },
      h(
        "button",
        { type: "button", class: "btn btn-approve", "data-action": "approve" },
        "Approve",
      ),
      h("button", {
        type: "button",
        class: "btn",
        "data-action": "edit",
        "aria-expanded": "false",
      }, "Edit reply"),
      h("input", {
        class: "card-reason",
        name: "reason",
        maxlength: String(MAX_REASON),
        placeholder: "Reason (optional)",
        "aria-label": `Reason for rejecting reply #${id}`,
      }),
      h("button", { type: "button", class: "btn btn-reject", "data-action": "reject" }, "Reject"),
    ),
    h("p", { class: "card-status", role: "status" }),
  );
}

/**
 * The response id of a card element.
 * @param el the card
 * @returns its id
 */
export function cardId(el: HTMLElement): number {
  return Number(el.dataset.responseId);
}

function proposedReply(el: HTMLElement): string {
  return el.querySelector(".card-reply-text")?.textContent ?? "";
}

/**
 * Opens or closes the reply editor, pre-filled with the proposed reply.
 * @param el the card
 * @returns the editor's text area when it opened, else null
 */
export function toggleEditor(el: HTMLElement): HTMLTextAreaElement | null {
  const button = el.querySelector<HTMLButtonElement>('[data-action="edit"]');
  const existing = el.querySelector<HTMLElement>(".card-editor");
  const open = !(existing && !existing.hidden);
  let area = existing?.querySelector("textarea") ?? null;
  if (open && !existing) {
    const areaId = `card-${el.dataset.responseId}-reply`;
    area = h("textarea", { id: areaId, rows: "4", maxlength: String(MAX_TEXT) });
    area.value = proposedReply(el);
    el.querySelector(".card-actions")?.before(
      h("div", { class: "card-editor" }, h("label", { for: areaId }, "Reply to send"), area),
    );
  } else if (existing) {
    existing.hidden = !open;
  }
  el.classList.toggle("card--editing", open);
  button?.setAttribute("aria-expanded", String(open));
  if (button) button.textContent = open ? "Keep proposed reply" : "Edit reply";
  return open ? area : null;
}

/**
 * The reply to send when it was edited, else undefined (the proposed one is sent).
 * @param el the card
 * @returns the edited text or undefined
 */
export function editedReply(el: HTMLElement): string | undefined {
  const editor = el.querySelector<HTMLElement>(".card-editor");
  const area = editor?.querySelector("textarea");
  if (!editor || editor.hidden || !area) return undefined;
  return area.value === proposedReply(el) ? undefined : area.value;
}

/**
 * The reason typed for rejecting, or undefined when empty.
 * @param el the card
 * @returns the reason
 */
export function rejectReason(el: HTMLElement): string | undefined {
  const value = el.querySelector<HTMLInputElement>(".card-reason")?.value.trim() ?? "";
  return value === "" ? undefined : value;
}

/**
 * Shows what the card is doing or why it failed, and locks or unlocks its controls.
 * @param el the card
 * @param status `busy` while a request is out, `failed` with the reason, `idle` to clear
 * @param text the line to show
 */
export function setCardStatus(
  el: HTMLElement,
  status: "busy" | "failed" | "idle",
  text = "",
): void {
  el.dataset.status = status;
  el.setAttribute("aria-busy", String(status === "busy"));
  for (
    const control of el.querySelectorAll<HTMLButtonElement | HTMLInputElement>("button, input")
  ) {
    control.disabled = status === "busy";
  }
  const line = el.querySelector(".card-status");
  if (line) {
    line.textContent = text;
    line.setAttribute("role", status === "failed" ? "alert" : "status");
  }
}
