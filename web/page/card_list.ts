/**
 * The list of cards as groups of at most `GROUP_MAX` cards
 * (`<div class="card-group">`, each with `content-visibility: auto`): adding,
 * removing or resizing one card lays out its group and the list of groups,
 * about 50 boxes, instead of a thousand cards (issue 17: a decision's layout
 * cost 12–55 ms with every card a child of one list). Every walk over the
 * cards goes through these functions, so callers see one ordered list.
 * @module
 */
import { h } from "./dom.ts";

/** Most cards in one group; a group past twice this is split. */
export const GROUP_MAX = 40;

const CARD = "[data-response-id]";

function isGroup(el: Element | null): el is HTMLElement {
  return el instanceof HTMLElement && el.classList.contains("card-group");
}

function newGroup(): HTMLElement {
  return h("div", { class: "card-group", role: "presentation" });
}

/**
 * Every card in order.
 * @param list the element holding the groups
 * @returns the cards
 */
export function allCards(list: HTMLElement): HTMLElement[] {
  return [...list.querySelectorAll<HTMLElement>(`:scope > .card-group > ${CARD}`)];
}

/**
 * The first card (or the last).
 * @param list the element holding the groups
 * @param last true for the last card
 * @returns the card, or null when there is none
 */
export function endCard(list: HTMLElement, last = false): HTMLElement | null {
  let group = (last ? list.lastElementChild : list.firstElementChild) as HTMLElement | null;
  while (group) {
    const card = (last ? group.lastElementChild : group.firstElementChild) as HTMLElement | null;
    if (card) return card;
    group = (last ? group.previousElementSibling : group.nextElementSibling) as HTMLElement | null;
  }
  return null;
}

/**
 * The card after (or before) a card, across groups.
 * @param card the card
 * @param back true for the one before
 * @returns the card, or null at the end
 */
export function stepCard(card: HTMLElement, back = false): HTMLElement | null {
  const sibling = (back ? card.previousElementSibling : card.nextElementSibling) as
    | HTMLElement
    | null;
  if (sibling) return sibling;
  let group = card.parentElement;
  while (group) {
    group = (back ? group.previousElementSibling : group.nextElementSibling) as HTMLElement | null;
    if (!isGroup(group)) return null;
    const edge = (back ? group.lastElementChild : group.firstElementChild) as HTMLElement | null;
    if (edge) return edge;
  }
  return null;
}

/**
 * Appends cards at the end (or the start), filling the end group first.
 * @param list the element holding the groups
 * @param cards the cards, in order
 * @param atStart true to put them before every card
 */
export function addCards(list: HTMLElement, cards: readonly HTMLElement[], atStart = false): void {
  if (cards.length === 0) return;
  if (atStart) {
    let group = list.firstElementChild as HTMLElement | null;
    for (const card of [...cards].reverse()) {
      if (!isGroup(group) || group.childElementCount >= GROUP_MAX) {
        group = newGroup();
        list.prepend(group);
      }
      group.prepend(card);
    }
    return;
  }
  let group = list.lastElementChild as HTMLElement | null;
  for (const card of cards) {
    if (!isGroup(group) || group.childElementCount >= GROUP_MAX) {
      group = newGroup();
      list.append(group);
    }
    group.append(card);
  }
}

/**
 * Puts a card before or after another card, splitting a group that grew too big.
 * @param ref the card it goes next to
 * @param card the card
 * @param after true to put it after `ref`
 */
export function placeCard(ref: HTMLElement, card: HTMLElement, after: boolean): void {
  if (after) ref.after(card);
  else ref.before(card);
  const group = card.parentElement;
  if (!isGroup(group) || group.childElementCount <= 2 * GROUP_MAX) return;
  const rest = newGroup();
  rest.append(...[...group.children].slice(GROUP_MAX));
  group.after(rest);
}

/**
 * Removes a card, and its group when that is left empty.
 * @param card the card
 */
export function removeCard(card: HTMLElement): void {
  const group = card.parentElement;
  card.remove();
  if (isGroup(group) && group.childElementCount === 0) group.remove();
}

/**
 * Shows exactly these cards, in order.
 * @param list the element holding the groups
 * @param cards the cards
 */
export function replaceCards(list: HTMLElement, cards: readonly HTMLElement[]): void {
  list.replaceChildren();
  addCards(list, cards);
}

/**
 * Reverses the order of every card.
 * @param list the element holding the groups
 */
export function reverseCards(list: HTMLElement): void {
  const cards = allCards(list).reverse();
  replaceCards(list, cards);
}
