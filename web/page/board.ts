/**
 * The list of pending cards, newest first: replaced by a `SNAPSHOT` (keeping
 * the elements of cards still pending, so an edit in progress survives a
 * reconnect), grown by `pending` events, shrunk by decisions; filtered by
 * platform and words; each card showing its claim; and the card actions,
 * sent through the client.
 * @module
 */
import type { ApprovedEvent, Card, RejectedEvent } from "../sdk/mod.ts";
import { type Claim, ClaimTable, claimView, parseClaim } from "./claims.ts";
import {
  type CardAction,
  cardId,
  createCard,
  editedReply,
  isEditing,
  rejectReason,
  setCardClaim,
  setCardStatus,
} from "./card.ts";
import { noteDecision } from "./decisions.ts";
import { type ClaimClient, Editing } from "./editing.ts";
import { describeError } from "./errors.ts";
import { type CardFilter, matchesFilter, SHOW_ALL } from "./filters.ts";

/** What the board needs of the connection. */
export interface BoardClient extends ClaimClient {
  readonly state: string;
  approve(responseId: number, text?: string): Promise<unknown>;
  reject(responseId: number, reason?: string): Promise<unknown>;
}

/** The elements the board writes to. */
export interface BoardElements {
  readonly list: HTMLElement;
  readonly count: HTMLElement;
  readonly empty: HTMLElement;
  readonly decisions: HTMLElement;
}

/** What the board tells the page: pending and shown counts changed. */
export type CountListener = (pending: number, shown: number) => void;

/** A `SNAPSHOT` item: a card with (v1.1) its claim. */
type SnapshotItem = Card & { readonly claimed_by?: unknown; readonly claim_until?: unknown };

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
  #filter: CardFilter = SHOW_ALL;
  readonly #claims = new ClaimTable();
  readonly #editing: Editing;
  readonly #els: BoardElements;
  readonly #client: BoardClient;
  readonly #me: () => string | null;
  readonly #now: () => number;
  readonly #counted: CountListener;

  /**
   * @param els the list, counter, empty note and decisions list
   * @param client the connected client
   * @param me the user of this page (for "You approved", and whose claims are one's own)
   * @param now the server's time (ms), to time claims
   * @param counted told the pending and shown counts after each change
   */
  constructor(
    els: BoardElements,
    client: BoardClient,
    me: () => string | null,
    now: () => number,
    counted: CountListener = () => {},
  ) {
    this.#els = els;
    this.#client = client;
    this.#me = me;
    this.#now = now;
    this.#counted = counted;
    this.#editing = new Editing(client, this.#claims, now, (id) => this.#showClaim(id));
    els.list.addEventListener("click", (ev) => this.#onClick(ev));
    els.list.addEventListener("keydown", (ev) => this.#onKey(ev));
    this.#updateCount();
  }

  /**
   * Shows exactly these cards (a `SNAPSHOT`), newest first: a screenful at
   * once, the rest in later tasks so the page stays responsive.
   * @param items the pending cards, oldest first, with their claims
   */
  replace(items: readonly SnapshotItem[]): void {
    const generation = ++this.#generation;
    const previous = new Map([...this.#kept, ...this.#cards]);
    this.#cards.clear();
    this.#queued.clear();
    this.#claims.clear();
    const first: HTMLElement[] = [];
    for (const card of items.toReversed()) {
      this.#claims.set(card.response_id, parseClaim(card.claimed_by, card.claim_until));
      if (first.length < FIRST_CHUNK) {
        const el = previous.get(card.response_id) ?? createCard(card);
        this.#place(card.response_id, el);
        first.push(el);
      } else {
        this.#queued.set(card.response_id, card);
      }
    }
    for (const [id, el] of previous) {
      if (!this.#cards.has(id) && !this.#queued.has(id)) this.#editing.ended(id);
      else if (this.#editing.has(id) && this.#claims.get(id)?.by !== this.#me()) {
        this.#editing.lost(el, "Your claim ended while the connection was down. Text kept.");
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
      this.#place(id, el);
      batch.push(el);
    }
    this.#els.list.append(...batch);
    this.#updateCount();
    if (this.#queued.size > 0) setTimeout(() => this.#drain(generation), 0);
    else this.#kept = new Map();
  }

  #place(id: number, el: HTMLElement): void {
    this.#cards.set(id, el);
    el.hidden = !this.#passes(el);
    this.#showClaim(id);
  }

  /**
   * Adds a new pending card at the top.
   * @param card the card of a `pending` event
   */
  add(card: Card): void {
    if (this.#cards.has(card.response_id) || this.#queued.has(card.response_id)) return;
    const el = createCard(card);
    this.#place(card.response_id, el);
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
    this.#claims.set(event.response_id, null);
    this.#editing.ended(event.response_id);
    const el = this.#cards.get(event.response_id);
    if (el) {
      if (el.contains(document.activeElement)) this.#focusNeighbour(el);
      el.remove();
      this.#cards.delete(event.response_id);
    }
    this.#updateCount();
  }

  /**
   * A `claimed` event: someone holds the card now (or renewed).
   * @param id the response id
   * @param claim who and until when
   */
  claimed(id: number, claim: Claim): void {
    this.#claims.set(id, claim);
    const el = this.#cards.get(id);
    if (el && claim.by !== this.#me()) {
      this.#editing.lost(el, `${claim.by} took over this card. Your text is kept.`, true);
    }
    this.#showClaim(id);
  }

  /**
   * A `released` event: the card is free.
   * @param id the response id
   * @param by who released it
   */
  released(id: number, by: string): void {
    this.#claims.set(id, null);
    const el = this.#cards.get(id);
    if (el && by !== this.#me()) this.#editing.lost(el, `${by} released your claim.`);
    this.#showClaim(id);
  }

  /** Redraws the claims' time left and frees the cards whose claim lapsed. */
  tick(): void {
    const now = this.#now();
    for (const id of this.#claims.ids()) this.#showClaim(id, now);
    for (const id of this.#claims.expire(now)) this.#showClaim(id, now);
  }

  /**
   * Shows only the cards that pass a filter.
   * @param filter the platform and words
   */
  setFilter(filter: CardFilter): void {
    this.#filter = filter;
    for (const el of this.#cards.values()) el.hidden = !this.#passes(el);
    this.#updateCount();
  }

  #passes(el: HTMLElement): boolean {
    if (this.#filter === SHOW_ALL) return true;
    const text = el.querySelector(".card-content")?.textContent ?? "";
    return matchesFilter(el.dataset.platform ?? "", text, this.#filter);
  }

  #showClaim(id: number, now = this.#now()): void {
    const el = this.#cards.get(id);
    if (!el) return;
    setCardClaim(el, claimView(this.#claims.get(id), now, this.#me(), this.#editing.has(id)));
  }

  #updateCount(): void {
    const count = this.#cards.size + this.#queued.size;
    let shown = this.#queued.size;
    for (const el of this.#cards.values()) if (!el.hidden) shown++;
    this.#els.count.textContent = String(count);
    this.#els.empty.hidden = count > 0;
    this.#counted(count, shown);
  }

  #focusNeighbour(el: HTMLElement): void {
    let next = (el.nextElementSibling ?? el.previousElementSibling) as HTMLElement | null;
    while (next?.hidden) next = next.nextElementSibling as HTMLElement | null;
    (next ?? this.#els.list).focus();
  }

  #onClick(ev: Event): void {
    const button = (ev.target as Element).closest<HTMLElement>("[data-action]");
    const el = button?.closest<HTMLElement>("[data-response-id]");
    if (!button || !el) return;
    this.act(el, button.dataset.action as CardAction);
  }

  #onKey(ev: KeyboardEvent): void {
    const target = ev.target as HTMLElement;
    const el = target.closest<HTMLElement>("[data-response-id]");
    if (!el) return;
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && target.tagName === "TEXTAREA") {
      ev.preventDefault();
      this.act(el, "approve");
    } else if (ev.key === "Escape" && target.tagName === "TEXTAREA") {
      ev.preventDefault();
      this.act(el, "cancel");
    } else if (ev.key === "Enter" && target.classList.contains("card-reason")) {
      ev.preventDefault();
      this.act(el, "reject");
    }
  }

  /**
   * Does a card's action, unless its control is disabled (busy, or claimed by another).
   * @param el the card
   * @param action what to do
   */
  act(el: HTMLElement, action: CardAction): void {
    const control = el.querySelector<HTMLButtonElement>(`[data-action="${action}"]`);
    if (!control || control.disabled) return;
    switch (action) {
      case "edit":
        return void this.#editing.start(el);
      case "cancel":
        return this.#editing.cancel(el);
      case "approve": {
        const text = editedReply(el);
        return this.#send(
          el,
          isEditing(el) ? "Saving" : "Approving",
          "Not approved",
          () => this.#client.approve(cardId(el), text),
        );
      }
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
        setCardStatus(el, "failed", `${failed}: ${describeError(error)}`);
      },
    );
  }
}
