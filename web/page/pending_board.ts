/**
 * The list of pending cards, oldest first (or newest first, by a toggle):
 * replaced by a `SNAPSHOT` (keeping the elements of cards still pending, so an
 * edit in progress survives a reconnect) and drawn in small time-boxed chunks,
 * one a frame, so no task blocks input and no frame lays out hundreds of cards; grown by `pending` and `reopened` events (batched
 * per frame); shrunk by decisions; filtered by platform and words; each card
 * showing its age, its claim and its counters. Every change to the list keeps
 * the card being read where it is (anchor.ts); a card that leaves hands the
 * focus on (focus_handover.ts); what the operator does to a card is
 * card_actions.ts's.
 * @module
 */
import type { ApprovedEvent, Card, RejectedEvent } from "../sdk/mod.ts";
import { createdAtOf, showAge } from "./age.ts";
import { type CardOrder, insertByAge, keepAnchor } from "./anchor.ts";
import { type Claim, ClaimTable, claimView, parseClaim } from "./claims.ts";
import { type CardAction, createCard, setCardClaim } from "./card.ts";
import { type BoardClient, CardActions } from "./card_actions.ts";
import { addCards, removeCard, replaceCards, reverseCards } from "./card_list.ts";
import { Editing } from "./editing.ts";
import { type CardFilter, cardShown, SHOW_ALL } from "./filters.ts";
import { removeFocused } from "./focus_handover.ts";
import type { PageLimits } from "./limits.ts";
import { afterNextFrame, nextTask } from "./tasks.ts";

/** What the board needs of the page. */
export interface BoardContext {
  /** The user of this page (whose claims are one's own). */
  me(): string | null;
  /** Whether the user is an admin (may release anyone's claim). */
  isAdmin(): boolean;
  /** The server's time (ms), to time claims and ages. */
  now(): number;
  /** The limits and SLA now in force. */
  limits(): PageLimits;
}

/** What the board tells the page: pending and shown counts changed. */
export type CountListener = (pending: number, shown: number) => void;

/** A `SNAPSHOT` item: a card with (v1.1) its claim and (v1.2) `created_at`. */
type SnapshotItem = Card & {
  readonly claimed_by?: unknown;
  readonly claim_until?: unknown;
  readonly created_at?: unknown;
};

/** A card not yet on the page. */
interface Queued {
  readonly card: Card;
  readonly createdAt: number | null;
}

/** Cards made at once when a `SNAPSHOT` arrives: a screenful (a card is 250 px and more). */
const FIRST_CHUNK = 6;
/** The longest a later chunk of card-making may take (ms), so input is never held long. */
const CHUNK_BUDGET_MS = 8;

/** The pending cards on the page. */
export class Board {
  readonly #cards = new Map<number, HTMLElement>();
  /** Cards of the last `SNAPSHOT` not yet on the page, in display order. */
  readonly #queued = new Map<number, Queued>();
  /** New cards waiting for the next frame. */
  #incoming: Queued[] = [];
  #frame = 0;
  /** Elements kept from before the last `SNAPSHOT` (an edit in progress survives). */
  #kept = new Map<number, HTMLElement>();
  #generation = 0;
  #order: CardOrder = "oldest";
  #filter: CardFilter = SHOW_ALL;
  readonly #claims = new ClaimTable();
  readonly #editing: Editing;
  readonly #list: HTMLElement;
  readonly #countEl: HTMLElement;
  readonly #actions: CardActions;
  readonly #ctx: BoardContext;
  readonly #counted: CountListener;

  /**
   * @param els the list of cards and the pending counter
   * @param client the connected client
   * @param ctx who, when, and the limits
   * @param counted told the pending and shown counts after each change
   */
  constructor(
    els: { readonly list: HTMLElement; readonly count: HTMLElement },
    client: BoardClient,
    ctx: BoardContext,
    counted: CountListener = () => {},
  ) {
    this.#list = els.list;
    this.#countEl = els.count;
    this.#ctx = ctx;
    this.#counted = counted;
    this.#editing = new Editing(client, this.#claims, () => ctx.now(), (id) => this.#showClaim(id));
    this.#actions = new CardActions(this.#list, client, this.#editing, {
      limits: () => ctx.limits(),
      filter: () => this.#filter,
    });
    this.#updateCount();
  }

  /** The order of the cards. */
  get order(): CardOrder {
    return this.#order;
  }

  /** Pending cards known (on the page or about to be). */
  get size(): number {
    return this.#cards.size + this.#queued.size + this.#incoming.length;
  }

  /**
   * Shows exactly these cards (a `SNAPSHOT`): a screenful at once, the rest
   * in later tasks of a few milliseconds each.
   * @param items the pending cards, oldest first, with their claims and `created_at`
   */
  replace(items: readonly SnapshotItem[]): void {
    const generation = ++this.#generation;
    const previous = new Map([...this.#kept, ...this.#cards]);
    this.#cards.clear();
    this.#queued.clear();
    this.#incoming = [];
    this.#claims.clear();
    const first: HTMLElement[] = [];
    // With nothing on the page yet (a first load) no card is drawn in the
    // `SNAPSHOT`'s own task, already long with its decoding and parsing: the
    // first chunk is the next task's (a 1000-card `SNAPSHOT` took 81–192 ms in one task).
    const firstChunk = previous.size === 0 ? 0 : FIRST_CHUNK;
    const ordered = this.#order === "oldest" ? items : items.toReversed();
    for (const card of ordered) {
      this.#claims.set(card.response_id, parseClaim(card.claimed_by, card.claim_until));
      const createdAt = createdAtOf(card.created_at, card.html);
      if (first.length < firstChunk) {
        const el = previous.get(card.response_id) ?? createCard(card, createdAt);
        this.#place(card.response_id, el);
        first.push(el);
      } else {
        this.#queued.set(card.response_id, { card, createdAt });
      }
    }
    for (const [id, el] of previous) {
      if (!this.#cards.has(id) && !this.#queued.has(id)) this.#editing.ended(id);
      else if (this.#editing.has(id) && this.#claims.get(id)?.by !== this.#ctx.me()) {
        this.#editing.lost(el, "Your claim ended while the connection was down. Text kept.");
      }
    }
    this.#kept = previous;
    if (previous.size === 0) replaceCards(this.#list, first);
    else keepAnchor(this.#list, () => replaceCards(this.#list, first));
    this.#updateCount();
    if (this.#queued.size > 0) nextTask(() => this.#drain(generation));
    else this.#kept = new Map();
  }

  #drain(generation: number): void {
    if (generation !== this.#generation) return;
    const until = performance.now() + CHUNK_BUDGET_MS;
    const batch: HTMLElement[] = [];
    for (const [id, { card, createdAt }] of this.#queued) {
      this.#queued.delete(id);
      const el = this.#kept.get(id) ?? createCard(card, createdAt);
      this.#place(id, el);
      batch.push(el);
      if (performance.now() >= until) break;
    }
    // Below everything on the page: nothing on screen moves.
    addCards(this.#list, batch);
    this.#updateCount();
    if (this.#queued.size > 0) afterNextFrame(() => this.#drain(generation));
    else this.#kept = new Map();
  }

  #place(id: number, el: HTMLElement): void {
    this.#cards.set(id, el);
    el.hidden = !cardShown(el, this.#filter);
    const limits = this.#ctx.limits();
    showAge(el, this.#ctx.now(), limits.slaMinutes);
    this.#showClaim(id);
  }

  /**
   * Adds a pending card (a `pending` or `reopened` event) in its place by age,
   * with the other cards that arrive in the same frame.
   * @param card the card
   */
  add(card: Card): void {
    const id = card.response_id;
    if (this.#cards.has(id) || this.#queued.has(id)) return;
    if (this.#incoming.some((q) => q.card.response_id === id)) return;
    this.#incoming.push({ card, createdAt: createdAtOf(undefined, card.html) });
    this.#frame ||= requestAnimationFrame(() => this.#flush());
  }

  #flush(): void {
    this.#frame = 0;
    if (this.#incoming.length === 0) return;
    // A burst is drawn a few milliseconds per frame; the rest waits for the next one.
    const until = performance.now() + CHUNK_BUDGET_MS;
    let taken = 0;
    keepAnchor(this.#list, () => {
      for (const q of this.#incoming) {
        taken++;
        const id = q.card.response_id;
        if (this.#cards.has(id) || this.#queued.has(id)) continue;
        if (this.#queued.size > 0 && this.#order === "oldest") {
          // Still drawing the SNAPSHOT: a new card goes after what is not drawn yet.
          this.#queued.set(id, q);
          continue;
        }
        const el = createCard(q.card, q.createdAt);
        this.#place(id, el);
        insertByAge(this.#list, el, this.#order);
        if (performance.now() >= until) break;
      }
    });
    this.#incoming = this.#incoming.slice(taken);
    if (this.#incoming.length > 0) this.#frame = requestAnimationFrame(() => this.#flush());
    this.#updateCount();
  }

  /**
   * Removes a decided card. When it had the focus, the next card takes both
   * the focus and the decided card's place on screen: the page does not scroll.
   * @param event the `approved` or `rejected` event
   */
  decided(event: ApprovedEvent | RejectedEvent): void {
    const id = event.response_id;
    this.#queued.delete(id);
    this.#incoming = this.#incoming.filter((q) => q.card.response_id !== id);
    this.#claims.set(id, null);
    this.#editing.ended(id);
    const el = this.#cards.get(id);
    this.#cards.delete(id);
    if (el) {
      if (el.contains(document.activeElement)) removeFocused(this.#list, el);
      else keepAnchor(this.#list, () => removeCard(el));
    }
    this.#updateCount();
  }

  /**
   * Switches the order of the cards, keeping the focused one in view.
   * @param order oldest first or newest first
   */
  setOrder(order: CardOrder): void {
    if (order === this.#order) return;
    this.#order = order;
    this.#flushQueued();
    reverseCards(this.#list);
    const focused = document.activeElement?.closest<HTMLElement>("[data-response-id]");
    if (focused && this.#list.contains(focused)) focused.scrollIntoView({ block: "nearest" });
    else scrollTo({ top: 0, behavior: "instant" });
  }

  #flushQueued(): void {
    ++this.#generation;
    const batch: HTMLElement[] = [];
    for (const [id, { card, createdAt }] of this.#queued) {
      const el = this.#kept.get(id) ?? createCard(card, createdAt);
      this.#place(id, el);
      batch.push(el);
    }
    this.#queued.clear();
    this.#kept = new Map();
    addCards(this.#list, batch);
  }

  /**
   * A `claimed` event: someone holds the card now (or renewed).
   * @param id the response id
   * @param claim who and until when
   */
  claimed(id: number, claim: Claim): void {
    this.#claims.set(id, claim);
    const el = this.#cards.get(id);
    if (el && claim.by !== this.#ctx.me()) {
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
    if (el && by !== this.#ctx.me()) this.#editing.lost(el, `${by} released your claim.`);
    this.#showClaim(id);
  }

  /** Redraws the claims' time left and frees the cards whose claim lapsed. */
  tick(): void {
    const now = this.#ctx.now();
    for (const id of this.#claims.ids()) this.#showClaim(id, now);
    for (const id of this.#claims.expire(now)) this.#showClaim(id, now);
  }

  /** Redraws every card's age and overdue mark. */
  tickAges(): void {
    const now = this.#ctx.now();
    const sla = this.#ctx.limits().slaMinutes;
    for (const el of this.#cards.values()) showAge(el, now, sla);
  }

  /**
   * Shows only the cards that pass a filter.
   * @param filter the platform and words
   */
  setFilter(filter: CardFilter): void {
    this.#filter = filter;
    keepAnchor(this.#list, () => {
      for (const el of this.#cards.values()) el.hidden = !cardShown(el, this.#filter);
    });
    this.#updateCount();
  }

  #showClaim(id: number, now = this.#ctx.now()): void {
    const el = this.#cards.get(id);
    if (!el) return;
    const view = claimView(this.#claims.get(id), now, this.#ctx.me(), this.#editing.has(id));
    setCardClaim(el, view, this.#ctx.isAdmin());
  }

  #updateCount(): void {
    const count = this.size;
    let shown = this.#queued.size;
    if (this.#filter === SHOW_ALL) shown += this.#cards.size;
    else for (const el of this.#cards.values()) if (!el.hidden) shown++;
    if (this.#countEl.textContent !== String(count)) this.#countEl.textContent = String(count);
    this.#counted(count, shown);
  }

  /**
   * Does a card's action, as a click or a key on the card does (`CardActions.act`).
   * @param el the card
   * @param action what to do
   * @param fromKey a key decided it: the next card takes its place at once
   */
  act(el: HTMLElement, action: CardAction, fromKey = false): void {
    this.#actions.act(el, action, fromKey);
  }
}
