/**
 * The list of pending cards, newest first: replaced by a `SNAPSHOT` (keeping
 * the elements of cards still pending, so an edit in progress survives a
 * reconnect), grown by `pending` events, shrunk by decisions; and the card
 * actions, sent through the client.
 * @module
 */
import type { ApprovedEvent, Card, RejectedEvent, ReviewClient } from "../sdk/mod.ts";
import { ReviewError } from "../sdk/mod.ts";
import {
  type CardAction,
  cardId,
  createCard,
  editedReply,
  rejectReason,
  setCardStatus,
  toggleEditor,
} from "./card.ts";
import { noteDecision } from "./decisions.ts";

/** The elements the board writes to. */
export interface BoardElements {
  readonly list: HTMLElement;
  readonly count: HTMLElement;
  readonly empty: HTMLElement;
  readonly decisions: HTMLElement;
}

/** Cards made at once when a `SNAPSHOT` arrives: more than a screenful, newest first. */
const FIRST_CHUNK = 40;
/** Cards made per task afterwards, so no task blocks input for long. */
const LATER_CHUNK = 100;

/** The pending cards on the page. */
export class Board {
  readonly #cards = new Map<number, HTMLElement>();
  /** Cards of the last `SNAPSHOT` not yet on the page, oldest last. */
  readonly #queued = new Map<number, Card>();
  /** Elements kept from before the last `SNAPSHOT` (an edit in progress survives). */
  #kept = new Map<number, HTMLElement>();
  #generation = 0;
  readonly #els: BoardElements;
  readonly #client: ReviewClient;
  readonly #me: () => string | null;

  /**
   * @param els the list, counter, empty note and decisions list
   * @param client the connected client
   * @param me the user of this page (for "You approved")
   */
  constructor(els: BoardElements, client: ReviewClient, me: () => string | null) {
    this.#els = els;
    this.#client = client;
    this.#me = me;
    els.list.addEventListener("click", (ev) => this.#onClick(ev));
    els.list.addEventListener("keydown", (ev) => this.#onKey(ev));
    this.#updateCount();
  }

  /**
   * Shows exactly these cards (a `SNAPSHOT`), newest first: a screenful at
   * once, the rest in later tasks so the page stays responsive.
   * @param items the pending cards, oldest first
   */
  replace(items: readonly Card[]): void {
    const generation = ++this.#generation;
    const previous = new Map([...this.#kept, ...this.#cards]);
    this.#cards.clear();
    this.#queued.clear();
    const first: HTMLElement[] = [];
    for (let i = items.length - 1; i >= 0; i--) {
      const card = items[i];
      if (first.length < FIRST_CHUNK) {
        const el = previous.get(card.response_id) ?? createCard(card);
        this.#cards.set(card.response_id, el);
        first.push(el);
      } else {
        this.#queued.set(card.response_id, card);
      }
    }
    this.#kept = previous;
    this.#els.list.replaceChildren(...first);
    this.#updateCount();
    if (this.#queued.size > 0) setTimeout(() => this.#drain(generation), 0);
    else this.#kept = new Map();
  }

  #drain(generation: number): void {
    if (generation !== this.#generation) return;
    const batch: HTMLElement[] = [];
    for (const [id, card] of this.#queued) {
      if (batch.length === LATER_CHUNK) break;
      this.#queued.delete(id);
      const el = this.#kept.get(id) ?? createCard(card);
      this.#cards.set(id, el);
      batch.push(el);
    }
    this.#els.list.append(...batch);
    if (this.#queued.size > 0) setTimeout(() => this.#drain(generation), 0);
    else this.#kept = new Map();
  }

  /**
   * Adds a new pending card at the top.
   * @param card the card of a `pending` event
   */
  add(card: Card): void {
    if (this.#cards.has(card.response_id) || this.#queued.has(card.response_id)) return;
    const el = createCard(card);
    this.#cards.set(card.response_id, el);
    this.#els.list.prepend(el);
    this.#updateCount();
  }

  /**
   * Removes a decided card and says who decided it.
   * @param event the `approved` or `rejected` event
   */
  decided(event: ApprovedEvent | RejectedEvent): void {
    noteDecision(this.#els.decisions, event, this.#me());
    this.#queued.delete(event.response_id);
    const el = this.#cards.get(event.response_id);
    if (el) {
      if (el.contains(document.activeElement)) this.#focusNeighbour(el);
      el.remove();
      this.#cards.delete(event.response_id);
    }
    this.#updateCount();
  }

  #updateCount(): void {
    const count = this.#cards.size + this.#queued.size;
    this.#els.count.textContent = String(count);
    this.#els.empty.hidden = count > 0;
  }

  #focusNeighbour(el: HTMLElement): void {
    const next = (el.nextElementSibling ?? el.previousElementSibling) as HTMLElement | null;
    (next ?? this.#els.list).focus();
  }

  #onClick(ev: Event): void {
    const button = (ev.target as Element).closest<HTMLElement>("[data-action]");
    const el = button?.closest<HTMLElement>("[data-response-id]");
    if (!button || !el) return;
    const action = button.dataset.action as CardAction;
    this.#act(el, action);
  }

  #onKey(ev: KeyboardEvent): void {
    const target = ev.target as HTMLElement;
    const el = target.closest<HTMLElement>("[data-response-id]");
    if (!el) return;
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && target.tagName === "TEXTAREA") {
      ev.preventDefault();
      this.#act(el, "approve");
    } else if (ev.key === "Enter" && target.classList.contains("card-reason")) {
      ev.preventDefault();
      this.#act(el, "reject");
    }
  }

  #act(el: HTMLElement, action: CardAction): void {
    switch (action) {
      case "edit":
        toggleEditor(el)?.focus();
        return;
      case "approve":
        return this.#send(
          el,
          "Approving",
          "Not approved",
          () => this.#client.approve(cardId(el), editedReply(el)),
        );
      case "reject":
        return this.#send(
          el,
          "Rejecting",
          "Not rejected",
          () => this.#client.reject(cardId(el), rejectReason(el)),
        );
      default: {
        const unknown: never = action;
        return void unknown;
      }
    }
  }

  #send(el: HTMLElement, doing: string, failed: string, request: () => Promise<unknown>): void {
    const waiting = this.#client.state === "connected" ? "…" : " — waiting for the connection…";
    // Disabled controls drop focus to <body>; keep it on the card, so it can move on to the next.
    if (el.contains(document.activeElement)) el.focus();
    setCardStatus(el, "busy", doing + waiting);
    request().then(
      () => {
        // The decision's EVENT removes the card; if it is still here the line stays informative.
        if (el.isConnected) setCardStatus(el, "busy", `${doing} — done, updating…`);
      },
      (error: unknown) => {
        if (!el.isConnected) return;
        setCardStatus(el, "failed", `${failed}: ${describe(error)}`);
      },
    );
  }
}

function describe(error: unknown): string {
  if (error instanceof ReviewError) {
    const by = error.fields.decided_by;
    if (error.code === "not_pending" && typeof by === "string") {
      return `already ${String(error.fields.status ?? "decided")} by ${by}`;
    }
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
