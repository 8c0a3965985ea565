/**
 * The list of recent decisions (PROTOCOL.md §8): `[data-decided-id]` items
 * with `data-publication-state`, an Undo control and countdown while the
 * window is open, the module and attempt while publishing, a link once
 * published, the reason of a failure and (for an admin) Retry. Fed by every
 * decision and publication event, everyone's, and by `SNAPSHOT.in_flight`.
 * @module
 */
import { formatLeft } from "./claims.ts";
import { h } from "./dom.ts";
import { describeError } from "./errors.ts";
import { safeHref } from "./history.ts";
import {
  type AnyEvent,
  applyEvent,
  entryFromInFlight,
  entryText,
  type RecentEntry,
  undoable,
} from "./publication.ts";

/** What the list sends. */
export interface RecentClient {
  undo(responseId: number): Promise<unknown>;
  retry(responseId: number): Promise<unknown>;
}

/** What the list needs of the page. */
export interface RecentContext {
  /** The user of this page. */
  me(): string | null;
  /** Whether this page's user is an admin. */
  isAdmin(): boolean;
  /** Server time (ms). */
  now(): number;
}

/** Most decisions listed; the oldest finished ones go first. */
export const RECENT_LIMIT = 50;

const FINISHED = new Set(["published", "rejected"]);

/** The recent decisions list. */
export class RecentDecisions {
  readonly #list: HTMLElement;
  readonly #client: RecentClient;
  readonly #ctx: RecentContext;
  readonly #entries = new Map<number, RecentEntry>();
  readonly #els = new Map<number, HTMLElement>();

  /**
   * @param list the `<ol>` to fill, newest first
   * @param client undo and retry
   * @param ctx who and when
   */
  constructor(list: HTMLElement, client: RecentClient, ctx: RecentContext) {
    this.#list = list;
    this.#client = client;
    this.#ctx = ctx;
    list.addEventListener("click", (ev) => this.#onClick(ev));
  }

  /**
   * Starts over from a `SNAPSHOT.in_flight` (oldest decision first).
   * @param inFlight the items (absent from a v1.1 server)
   */
  replace(inFlight: unknown): void {
    const keep = new Map(this.#entries);
    this.#entries.clear();
    this.#els.clear();
    this.#list.replaceChildren();
    const items = Array.isArray(inFlight) ? inFlight : [];
    for (const item of items) {
      const entry = entryFromInFlight(item);
      if (entry) this.#set(entry);
    }
    // Finished decisions seen before the reconnect stay listed: they are still recent.
    for (const [id, entry] of keep) {
      if (!this.#entries.has(id) && FINISHED.has(entry.state)) this.#set(entry, false);
    }
  }

  /**
   * Applies an event.
   * @param event any `EVENT`
   */
  event(event: AnyEvent): void {
    const outcome = applyEvent(this.#entries.get(event.response_id), event);
    if (outcome.kind === "set") this.#set(outcome.entry);
    else if (outcome.kind === "remove") this.#remove(event.response_id);
  }

  /** Redraws the countdowns and drops the Undo controls whose window closed. */
  tick(): void {
    const now = this.#ctx.now();
    for (const [id, entry] of this.#entries) {
      if (entry.undoUntil === null) continue;
      const el = this.#els.get(id);
      if (el) this.#draw(el, entry, now);
      if (entry.undoUntil <= now) this.#entries.set(id, { ...entry, undoUntil: null });
    }
  }

  #set(entry: RecentEntry, top = true): void {
    const had = this.#els.get(entry.id);
    this.#entries.set(entry.id, entry);
    const el = had ?? h("li", { class: "decision", "data-decided-id": String(entry.id) });
    this.#els.set(entry.id, el);
    this.#draw(el, entry, this.#ctx.now());
    if (!had) {
      if (top) this.#list.prepend(el);
      else this.#list.append(el);
      this.#trim();
    }
  }

  #remove(id: number): void {
    this.#entries.delete(id);
    this.#els.get(id)?.remove();
    this.#els.delete(id);
  }

  #trim(): void {
    if (this.#entries.size <= RECENT_LIMIT) return;
    // Oldest first: the Map holds insertion order, the list newest first.
    for (const [id, entry] of this.#entries) {
      if (this.#entries.size <= RECENT_LIMIT) return;
      if (FINISHED.has(entry.state)) this.#remove(id);
    }
    for (const id of this.#entries.keys()) {
      if (this.#entries.size <= RECENT_LIMIT) return;
      this.#remove(id);
    }
  }

  #draw(el: HTMLElement, entry: RecentEntry, now: number): void {
    const me = this.#ctx.me();
    el.className = `decision decision--${entry.decision} decision--${entry.state}`;
    el.dataset.publicationState = entry.state;
    el.dataset.decidedBy = entry.by;
    const parts: Array<string | Node> = [
      h("span", { class: "decision-text" }, entryText(entry, me)),
    ];
    const href = entry.url ? safeHref(entry.url) : null;
    if (entry.state === "published" && href) {
      parts.push(
        " ",
        h(
          "a",
          { class: "decision-link", href, target: "_blank", rel: "noopener noreferrer" },
          "View the reply",
        ),
      );
    }
    const mayUndo = undoable(entry, now) && (entry.by === me || this.#ctx.isAdmin());
    if (mayUndo) {
      parts.push(
        " ",
        h(
          "button",
          { type: "button", class: "btn btn-small btn-undo", "data-action": "undo" },
          "Undo",
        ),
        " ",
        h(
          "span",
          { class: "decision-countdown", role: "timer" },
          formatLeft(entry.undoUntil! - now),
        ),
      );
    }
    if (entry.state === "failed" && this.#ctx.isAdmin()) {
      parts.push(
        " ",
        h(
          "button",
          { type: "button", class: "btn btn-small btn-retry", "data-action": "retry" },
          "Retry",
        ),
      );
    }
    const status = el.querySelector(".decision-status");
    parts.push(status ?? h("span", { class: "decision-status", role: "status" }));
    // Redraw only on change: the countdown ticks twice a second.
    const key = JSON.stringify([entry, mayUndo, mayUndo ? formatLeft(entry.undoUntil! - now) : ""]);
    if (el.dataset.drawn === key) return;
    el.dataset.drawn = key;
    el.replaceChildren(...parts);
  }

  #onClick(ev: Event): void {
    const button = (ev.target as Element).closest<HTMLButtonElement>("[data-action]");
    const el = button?.closest<HTMLElement>("[data-decided-id]");
    if (!button || !el) return;
    const id = Number(el.dataset.decidedId);
    const action = button.dataset.action;
    const status = el.querySelector(".decision-status");
    const send = action === "undo"
      ? () => this.#client.undo(id)
      : action === "retry"
      ? () => this.#client.retry(id)
      : null;
    if (!send) return;
    button.disabled = true;
    if (status) status.textContent = action === "undo" ? " Undoing…" : " Retrying…";
    send().then(
      () => {
        if (status) status.textContent = "";
      },
      (error: unknown) => {
        button.disabled = false;
        if (status) {
          status.textContent = ` ${action === "undo" ? "Not undone" : "Not retried"}: ${
            describeError(error)
          }`;
        }
      },
    );
  }
}
