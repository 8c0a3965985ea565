/**
 * The History view: decided replies newest first, filtered by decision,
 * platform and decider, searched, and paged by `next_cursor`. Every value
 * from the server is set as text; a post link only for http(s) addresses.
 * @module
 */
import { h } from "./dom.ts";
import {
  decisionLine,
  formatWhen,
  type HistoryFilter,
  type HistoryQuery,
  historyQuery,
  safeHref,
} from "./history.ts";
import type { HistoryItem, HistoryPage } from "../../src/protocol/http_bodies.ts";

/** Fetches one page of history. */
export type HistorySource = (query: HistoryQuery) => Promise<HistoryPage>;

/** The elements of the view. */
export interface HistoryElements {
  readonly form: HTMLFormElement;
  readonly list: HTMLElement;
  readonly status: HTMLElement;
  readonly more: HTMLButtonElement;
}

/** The History view. */
export class HistoryView {
  readonly #els: HistoryElements;
  readonly #source: HistorySource;
  #filter: HistoryFilter | null = null;
  #cursor: string | null = null;
  /** Bumped by each new search, so a slow older answer never lands on a newer one. */
  #generation = 0;

  /**
   * @param els the form, list, status line and "older" button
   * @param source where pages come from
   */
  constructor(els: HistoryElements, source: HistorySource) {
    this.#els = els;
    this.#source = source;
    els.form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      void this.search();
    });
    els.form.addEventListener("change", (ev) => {
      if ((ev.target as HTMLElement).tagName === "SELECT") void this.search();
    });
    els.more.addEventListener("click", () => void this.#load(false));
  }

  /** Whether a first page was asked for. */
  get loaded(): boolean {
    return this.#filter !== null;
  }

  /** Starts over with the form's fields. */
  search(): Promise<void> {
    this.#filter = readFilter(this.#els.form);
    this.#cursor = null;
    return this.#load(true);
  }

  async #load(first: boolean): Promise<void> {
    const filter = this.#filter;
    if (!filter) return;
    const generation = first ? ++this.#generation : this.#generation;
    const els = this.#els;
    els.more.disabled = true;
    els.status.textContent = "Loading…";
    els.list.setAttribute("aria-busy", "true");
    let page: HistoryPage;
    try {
      page = await this.#source(historyQuery(filter, first ? null : this.#cursor));
    } catch (error) {
      if (generation !== this.#generation) return;
      els.status.textContent = `History unavailable: ${
        error instanceof Error ? error.message : String(error)
      }`;
      els.list.setAttribute("aria-busy", "false");
      els.more.disabled = false;
      return;
    }
    if (generation !== this.#generation) return;
    const rows = page.items.map(historyRow);
    if (first) els.list.replaceChildren(...rows);
    else els.list.append(...rows);
    this.#cursor = page.next_cursor;
    els.more.hidden = page.next_cursor === null;
    els.more.disabled = false;
    els.list.setAttribute("aria-busy", "false");
    const count = els.list.childElementCount;
    els.status.textContent = count === 0
      ? "No decision matches."
      : `${count} decision${count === 1 ? "" : "s"}${page.next_cursor ? ", more below" : ""}`;
  }
}

function readFilter(form: HTMLFormElement): HistoryFilter {
  const data = new FormData(form);
  const text = (name: string) => String(data.get(name) ?? "");
  const status = text("status");
  return {
    status: status === "approved" || status === "rejected" ? status : "",
    platform: text("platform"),
    by: text("by"),
    q: text("q"),
    from: text("from"),
    to: text("to"),
    publication: text("publication"),
  };
}

/** What a publication says in history. */
function publicationLine(item: HistoryItem): HTMLElement | string {
  const pub = item.publication;
  if (!pub) return "";
  const attempts = pub.attempts > 0
    ? ` · ${pub.attempts} attempt${pub.attempts === 1 ? "" : "s"}`
    : "";
  const href = pub.url ? safeHref(pub.url) : null;
  return h(
    "p",
    { class: "history-publication", "data-publication-state": pub.state },
    `Publication: ${pub.state}${attempts}`,
    pub.published_at ? ` · ${formatWhen(pub.published_at)}` : "",
    pub.last_error ? ` · last error: ${pub.last_error}` : "",
    ...(href
      ? [
        " · ",
        h("a", {
          class: "history-published-link",
          href,
          target: "_blank",
          rel: "noopener noreferrer",
        }, "the published reply"),
      ]
      : []),
  );
}

/**
 * One decided reply as a list item.
 * @param item the reply
 * @returns the element, with `data-history-id` and `data-status`
 */
export function historyRow(item: HistoryItem): HTMLElement {
  const href = safeHref(item.post_url);
  const link = href
    ? h("a", { class: "card-link", href, target: "_blank", rel: "noopener noreferrer" }, href)
    : h("span", { class: "card-link card-link--inactive" }, item.post_url);
  const approved = item.status === "approved";
  return h(
    "li",
    {
      class: `history-item history-item--${approved ? "approved" : "rejected"}`,
      "data-history-id": String(item.response_id),
      "data-status": item.status,
      "data-decided-by": item.decided_by ?? "",
    },
    h(
      "div",
      { class: "card-meta" },
      h("span", { class: "history-id" }, `#${item.response_id}`),
      h("span", { class: "card-platform" }, item.platform),
      h("span", { class: "history-decision" }, decisionLine(item)),
    ),
    link,
    item.post_text
      ? h("blockquote", { class: "card-post" }, h("p", { class: "card-post-text" }, item.post_text))
      : h("p", { class: "card-post card-post--empty" }, "No post text."),
    h("p", { class: "card-author" }, item.author ? `Author: ${item.author}` : "Author unknown"),
    replyBlock(item, approved),
    item.reason ? h("p", { class: "history-reason" }, `Reason: ${item.reason}`) : "",
    publicationLine(item),
  );
}

/** The reply; for an edited one, the proposed text beside the approved one. */
function replyBlock(item: HistoryItem, approved: boolean): HTMLElement {
  const original = item.original_text ?? null;
  if (original === null || original === item.response_text) {
    return h(
      "section",
      { class: approved ? "card-reply" : "card-reply card-reply--rejected" },
      h("h3", { class: "card-reply-label" }, approved ? "Approved reply" : "Proposed reply"),
      h("p", { class: "card-reply-text history-text" }, item.response_text),
    );
  }
  return h(
    "div",
    { class: "history-compare", "data-edited": "true" },
    h(
      "section",
      { class: "card-reply card-reply--original" },
      h("h3", { class: "card-reply-label" }, "Proposed"),
      h("p", { class: "history-text history-original" }, original),
    ),
    h(
      "section",
      { class: "card-reply" },
      h("h3", { class: "card-reply-label" }, approved ? "Approved, as edited" : "Edited"),
      h("p", { class: "card-reply-text history-text history-edited" }, item.response_text),
    ),
  );
}
