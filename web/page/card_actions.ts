/**
 * What the operator does to a card (edit, take over, cancel, release,
 * approve, reject) from its buttons and keys: each a request, the card's
 * status line saying how it goes. A decision made by a key moves on to the
 * next card at once, and a refusal brings the card back (focus_handover.ts).
 * @module
 */
import {
  type CardAction,
  cardId,
  editedReply,
  isEditing,
  rejectReason,
  setCardStatus,
  updateCounters,
} from "./card.ts";
import { toggleCollapsed } from "./collapse.ts";
import type { ClaimClient, Editing } from "./editing.ts";
import { describeError } from "./errors.ts";
import type { CardFilter } from "./filters.ts";
import { bringBack, hideDecided } from "./focus_handover.ts";
import type { PageLimits } from "./limits.ts";

/** What the board needs of the connection. */
export interface BoardClient extends ClaimClient {
  readonly state: string;
  approve(responseId: number, text?: string): Promise<unknown>;
  reject(responseId: number, reason?: string): Promise<unknown>;
  /** `RELEASE` of anyone's claim (an admin's). */
  releaseAny(responseId: number): Promise<unknown>;
}

/** What the actions read of the board, as it is when they run. */
export interface ActionContext {
  /** The limits now in force (a field over its limit sends nothing). */
  limits(): PageLimits;
  /** The filter now in force (a card brought back shows only if it passes). */
  filter(): CardFilter;
}

/** The actions on the cards of one list. */
export class CardActions {
  readonly #list: HTMLElement;
  readonly #client: BoardClient;
  readonly #editing: Editing;
  readonly #ctx: ActionContext;

  /**
   * Listens to the list's clicks, keys and typing.
   * @param list the element holding the cards
   * @param client the connected client
   * @param editing the cards this page edits
   * @param ctx the limits and the filter now in force
   */
  constructor(list: HTMLElement, client: BoardClient, editing: Editing, ctx: ActionContext) {
    this.#list = list;
    this.#client = client;
    this.#editing = editing;
    this.#ctx = ctx;
    this.#list.addEventListener("click", (ev) => this.#onClick(ev));
    this.#list.addEventListener("keydown", (ev) => this.#onKey(ev));
    this.#list.addEventListener("input", (ev) => {
      const card = (ev.target as Element).closest<HTMLElement>("[data-response-id]");
      if (card) updateCounters(card, ctx.limits());
    });
  }

  #onClick(ev: Event): void {
    const button = (ev.target as Element).closest<HTMLElement>("[data-action]");
    const el = button?.closest<HTMLElement>("[data-response-id]");
    if (!button || !el) return;
    if (button.dataset.action === "expand") return toggleCollapsed(button);
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
   * Does a card's action, unless its control is disabled (busy, claimed by
   * another, or a field over its limit: then nothing is sent).
   * @param el the card
   * @param action what to do
   * @param fromKey a key decided it: the next card takes the focus and the
   *   decided card's place at once, without waiting for the server (see `hideDecided`)
   */
  act(el: HTMLElement, action: CardAction, fromKey = false): void {
    const control = el.querySelector<HTMLButtonElement>(`[data-action="${action}"]`);
    if (!control || control.disabled || control.hidden) return;
    switch (action) {
      case "edit":
      case "takeover":
        return void this.#editing.start(el).then(() => updateCounters(el, this.#ctx.limits()));
      case "cancel":
        this.#editing.cancel(el);
        return updateCounters(el, this.#ctx.limits());
      case "release":
        return this.#send(
          el,
          "Releasing",
          "Not released",
          () => this.#client.releaseAny(cardId(el)),
          true,
        );
      case "approve": {
        const text = editedReply(el);
        return this.#send(
          el,
          isEditing(el) ? "Saving" : "Approving",
          "Not approved",
          () => this.#client.approve(cardId(el), text),
          false,
          fromKey,
        );
      }
      case "reject":
        return this.#send(
          el,
          "Rejecting",
          "Not rejected",
          () => this.#client.reject(cardId(el), rejectReason(el)),
          false,
          fromKey,
        );
      default: {
        const unknown: never = action;
        return void unknown;
      }
    }
  }

  #send(
    el: HTMLElement,
    doing: string,
    failed: string,
    request: () => Promise<unknown>,
    staysPending = false,
    moveOn = false,
  ): void {
    const waiting = this.#client.state === "connected" ? "…" : " — waiting for the connection…";
    setCardStatus(el, "busy", doing + waiting);
    if (moveOn && el.contains(document.activeElement)) hideDecided(this.#list, el);
    // Disabled controls drop focus to <body>; keep it on the card, so it can move on to the next.
    else if (el.contains(document.activeElement)) el.focus({ preventScroll: true });
    request().then(
      () => {
        // A decision's EVENT removes the card; until then the line stays informative.
        if (!el.isConnected) return;
        if (staysPending) setCardStatus(el, "idle");
        else setCardStatus(el, "busy", `${doing} — done, updating…`);
      },
      (error: unknown) => {
        if (!el.isConnected) return;
        if (el.dataset.deciding) bringBack(this.#list, el, this.#ctx.filter());
        setCardStatus(el, "failed", `${failed}: ${describeError(error)}`);
      },
    );
  }
}
