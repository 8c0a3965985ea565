/**
 * One card element: the server's card HTML (content only) wrapped in the
 * page's own `<article data-response-id>` with its controls (PROTOCOL.md §2
 * hooks). The server's HTML is the only markup the page inserts: the server
 * rendered it with autoescaping, so post text, author and reply are text.
 * @module
 */
import type { Card } from "../sdk/mod.ts";
import type { ClaimView } from "./claims.ts";
import { collapseLong } from "./collapse.ts";
import { h } from "./dom.ts";
import { counterView } from "./limits.ts";

/**
 * The actions of a card, as in its buttons' `data-action`: `edit` claims the
 * card and opens the editor, which turns it into `cancel` (close and release);
 * while editing, `approve` saves the edited reply.
 */
export type CardAction = "approve" | "reject" | "edit" | "cancel" | "release" | "takeover";

/** The limits counted against (`WELCOME.limits`). */
export interface FieldLimits {
  readonly text: number;
  readonly reason: number;
}

/**
 * Makes a card element.
 * @param card the card from `SNAPSHOT` or a `pending` event
 * @param createdAt when the row was created (ms), or null when unknown
 * @returns the element, with `data-response-id`, `data-platform` and `data-created-at`
 */
export function createCard(card: Card, createdAt: number | null): HTMLElement {
  const id = String(card.response_id);
  const content = h("div", { class: "card-content" });
  // The one markup insertion of the page: escaped by the server's templates (PROTOCOL.md §3.2).
  content.innerHTML = card.html;
  collapseLong(content);
  const reasonId = `card-${id}-reason`;
  const el = h(
    "article",
    {
      class: "card",
      "data-response-id": id,
      "data-platform": card.platform,
      "aria-labelledby": `card-${id}-title`,
      tabindex: "-1",
    },
    h(
      "div",
      { class: "card-head" },
      h("h2", { class: "card-title", id: `card-${id}-title` }, `Reply #${id}`),
      h("span", { class: "card-age", title: "Waiting for a decision" }),
    ),
    h(
      "div",
      { class: "card-claim", hidden: true },
      h("span", { class: "card-claim-text", role: "status" }),
      h("button", {
        type: "button",
        class: "btn btn-small btn-release",
        "data-action": "release",
        hidden: true,
      }, "Release"),
      h("button", {
        type: "button",
        class: "btn btn-small btn-takeover",
        "data-action": "takeover",
        hidden: true,
      }, "Take over here"),
    ),
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
        class: "btn btn-edit",
        "data-action": "edit",
        "aria-expanded": "false",
      }, "Edit reply"),
      h("input", {
        id: reasonId,
        class: "card-reason",
        name: "reason",
        "data-field": "reason",
        placeholder: "Reason (optional)",
        "aria-label": `Reason for rejecting reply #${id}`,
        "aria-describedby": `${reasonId}-count`,
      }),
      h("button", { type: "button", class: "btn btn-reject", "data-action": "reject" }, "Reject"),
    ),
    h("p", {
      class: "card-counter",
      id: `${reasonId}-count`,
      "data-counter": "reason",
      hidden: true,
    }),
    h("p", { class: "card-status", role: "status" }),
  );
  if (createdAt !== null) el.dataset.createdAt = new Date(createdAt).toISOString();
  return el;
}

/**
 * Counts the editor's and the reason's characters against the limits, and
 * refuses to send past them: the approve (or reject) control is disabled and
 * the counter says why. Nothing is ever cut.
 * @param el the card
 * @param limits the longest reply and reason
 */
export function updateCounters(el: HTMLElement, limits: FieldLimits): void {
  const area = el.querySelector<HTMLTextAreaElement>('textarea[data-field="text"]');
  const reason = el.querySelector<HTMLInputElement>('[data-field="reason"]');
  const textOver = showCounter(el, "text", isEditing(el) ? area : null, limits.text);
  const reasonOver = showCounter(el, "reason", reason, limits.reason);
  const flag = (name: string, on: boolean) => {
    if (on) el.dataset[name] = "true";
    else delete el.dataset[name];
  };
  flag("textTooLong", textOver);
  flag("reasonTooLong", reasonOver);
  syncControls(el);
}

function showCounter(
  el: HTMLElement,
  field: "text" | "reason",
  input: HTMLInputElement | HTMLTextAreaElement | null,
  limit: number,
): boolean {
  const line = el.querySelector<HTMLElement>(`[data-counter="${field}"]`);
  if (!input) {
    if (line) line.hidden = true;
    return false;
  }
  const view = counterView(input.value, limit);
  // The reason's counter shows once something is typed; the editor's always.
  const shown = field === "text" || input.value !== "";
  if (line) {
    line.hidden = !shown;
    line.textContent = view.text;
    line.dataset.left = String(view.left);
    line.classList.toggle("card-counter--over", view.over);
    line.setAttribute("role", view.over ? "alert" : "status");
  }
  input.setAttribute("aria-invalid", String(view.over));
  return view.over;
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
 * Whether the card's editor is open.
 * @param el the card
 * @returns true while editing
 */
export function isEditing(el: HTMLElement): boolean {
  return el.classList.contains("card--editing");
}

/**
 * Opens or closes the reply editor (pre-filled with the proposed reply the
 * first time; a reopened editor keeps what was typed).
 * @param el the card
 * @param open true to open
 * @returns the editor's text area when it opened, else null
 */
export function setEditor(el: HTMLElement, open: boolean): HTMLTextAreaElement | null {
  const existing = el.querySelector<HTMLElement>(".card-editor");
  let area = existing?.querySelector("textarea") ?? null;
  if (open && !existing) {
    const areaId = `card-${el.dataset.responseId}-reply`;
    area = h("textarea", {
      id: areaId,
      rows: "4",
      "data-field": "text",
      "aria-describedby": `${areaId}-count`,
    });
    area.value = proposedReply(el);
    el.querySelector(".card-actions")?.before(
      h(
        "div",
        { class: "card-editor" },
        h("label", { for: areaId }, "Reply to send"),
        area,
        h("p", { class: "card-counter", id: `${areaId}-count`, "data-counter": "text" }),
      ),
    );
  } else if (existing) {
    existing.hidden = !open;
  }
  el.classList.toggle("card--editing", open);
  const edit = el.querySelector<HTMLButtonElement>(".btn-edit");
  if (edit) {
    edit.dataset.action = open ? "cancel" : "edit";
    edit.setAttribute("aria-expanded", String(open));
    edit.textContent = open ? "Cancel" : "Edit reply";
  }
  const approve = el.querySelector<HTMLButtonElement>(".btn-approve");
  if (approve) approve.textContent = open ? "Save and approve" : "Approve";
  return open ? area : null;
}

/**
 * The reply to send: the editor's text while it is open, else undefined (the proposed one).
 * @param el the card
 * @returns the edited text or undefined
 */
export function editedReply(el: HTMLElement): string | undefined {
  if (!isEditing(el)) return undefined;
  return el.querySelector<HTMLTextAreaElement>(".card-editor textarea")?.value;
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
  delete el.dataset.statusCause;
  el.setAttribute("aria-busy", String(status === "busy"));
  const line = el.querySelector(".card-status");
  if (line) {
    line.textContent = text;
    line.setAttribute("role", status === "failed" ? "alert" : "status");
  }
  syncControls(el);
}

/**
 * Shows a card's claim: "Bob is editing — 1:05 left" and `data-claimed-by`;
 * another user's claim disables deciding and editing.
 * @param el the card
 * @param view what the claim looks like now
 */
export function setCardClaim(el: HTMLElement, view: ClaimView, admin = false): void {
  const banner = el.querySelector<HTMLElement>(".card-claim");
  const text = banner?.querySelector(".card-claim-text");
  const release = banner?.querySelector<HTMLButtonElement>(".btn-release");
  const takeover = banner?.querySelector<HTMLButtonElement>(".btn-takeover");
  const showRelease = view.kind === "theirs" && admin;
  const showTakeover = view.kind === "mine" && !view.here;
  if (release && release.hidden === showRelease) release.hidden = !showRelease;
  if (takeover && takeover.hidden === showTakeover) takeover.hidden = !showTakeover;
  // A failure that only said who held the card is over once nobody holds it.
  if (view.kind === "free" && el.dataset.statusCause === "claim") setCardStatus(el, "idle");
  if (view.kind === "free") {
    delete el.dataset.claimedBy;
    delete el.dataset.claim;
    if (banner) banner.hidden = true;
  } else {
    if (el.dataset.claimedBy !== view.by) el.dataset.claimedBy = view.by;
    el.dataset.claim = view.kind;
    if (text && text.textContent !== view.text) text.textContent = view.text;
    if (banner) banner.hidden = false;
  }
  syncControls(el);
}

/**
 * Disables what must not be used now: everything while busy; deciding while
 * claimed by another; approving an edited reply past its limit, rejecting
 * with a reason past its limit (the counter says why).
 */
function syncControls(el: HTMLElement): void {
  const busy = el.dataset.status === "busy";
  const locked = el.dataset.claim === "theirs";
  for (
    const control of el.querySelectorAll<HTMLButtonElement | HTMLInputElement>(
      ".card-actions button, .card-actions input",
    )
  ) {
    const action = control.dataset.action;
    const tooLong = (action === "approve" && el.dataset.textTooLong === "true") ||
      (action === "reject" && el.dataset.reasonTooLong === "true");
    const disabled = busy || locked || tooLong;
    if (control.disabled !== disabled) control.disabled = disabled;
    const why = tooLong
      ? `Too long: the ${action === "approve" ? "reply" : "reason"} is over its limit`
      : null;
    if (why) {
      control.title = why;
      control.dataset.refused = "too-long";
    } else if (control.dataset.refused) {
      control.removeAttribute("title");
      delete control.dataset.refused;
    }
  }
}
