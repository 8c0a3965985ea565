/**
 * Keeping the card being read where it is (issue 17): every change to the
 * list of cards goes through `keepAnchor`, which notes where the focused card
 * (or else the first card on screen) is, makes the change, and scrolls by
 * however much that card moved. The list opts out of the browser's own scroll
 * anchoring (`overflow-anchor: none`), which does nothing at the top of the
 * page and would otherwise fight this. Also: where a card goes in the list by
 * its age, and whether a card is on screen (keys only act on one that is).
 * @module
 */

import { addCards, endCard, placeCard, stepCard } from "./card_list.ts";

/** The order of the pending cards. */
export type CardOrder = "oldest" | "newest";

/**
 * The bottom of the sticky header: what is above it is not on screen.
 * @returns px from the top of the viewport
 */
export function topInset(): number {
  return document.querySelector(".top")?.getBoundingClientRect().bottom ?? 0;
}

/**
 * The top of what covers the bottom of the screen: on a phone the recent
 * decisions sit over the bottom edge.
 * @returns px from the top of the viewport
 */
export function bottomInset(): number {
  const box = document.querySelector(".decisions-box")?.getBoundingClientRect();
  return box && box.bottom >= innerHeight - 1 && box.left <= 1 ? box.top : innerHeight;
}

/**
 * Whether an element is at least partly on screen, between the sticky header
 * and what covers the bottom edge.
 * @param el the element
 * @returns true when some of it shows
 */
export function onScreen(el: HTMLElement): boolean {
  const rect = el.getBoundingClientRect();
  return rect.bottom > topInset() + 8 && rect.top < bottomInset() - 8 && rect.height > 0;
}

/**
 * The card the operator is reading: the focused one when on screen, else the first one on screen.
 * @param list the element holding the cards
 * @returns the card, or null when none shows
 */
export function readingCard(list: HTMLElement): HTMLElement | null {
  const active = document.activeElement;
  const focused = active instanceof HTMLElement
    ? active.closest<HTMLElement>("[data-response-id]")
    : null;
  if (focused && list.contains(focused) && onScreen(focused)) return focused;
  const x = list.getBoundingClientRect().left + 24;
  const hit = document.elementFromPoint(x, topInset() + 12);
  const card = hit?.closest<HTMLElement>("[data-response-id]") ?? null;
  return card && list.contains(card) ? card : null;
}

/** How long a card is held in place after a change (ms): cards drawn later (`content-visibility`) change size a frame or two after they are inserted. */
const HOLD_MS = 1_000;

/** The card held in place, where, and until when; let go when the operator scrolls. */
let held: { el: HTMLElement; top: number; until: number } | null = null;
let holding = 0;
/** Where this module last left the page's scroll; any other scroll is someone else's. */
let ourY = 0;

function letGo(): void {
  held = null;
}
for (const kind of ["wheel", "touchstart", "mousedown", "keydown"] as const) {
  addEventListener(kind, letGo, { capture: true, passive: true });
}
addEventListener("scroll", () => {
  if (held && Math.abs(scrollY - ourY) > 2) letGo();
}, { passive: true });

function scrollByOurs(moved: number): void {
  if (Math.abs(moved) >= 1) scrollBy({ top: moved, behavior: "instant" });
  ourY = scrollY;
}

function restore(): void {
  holding = 0;
  if (!held) return;
  if (!held.el.isConnected || performance.now() > held.until) return letGo();
  scrollByOurs(held.el.getBoundingClientRect().top - held.top);
  holding = requestAnimationFrame(restore);
}

/**
 * Keeps a card at a place on screen now and for the next frames (until the
 * operator scrolls): the cards the browser draws late change their size
 * after the change that inserted them.
 * @param el the card
 * @param top where it must stay (px from the top of the viewport)
 */
export function holdAnchor(el: HTMLElement, top: number): void {
  held = { el, top, until: performance.now() + HOLD_MS };
  scrollByOurs(el.getBoundingClientRect().top - top);
  holding ||= requestAnimationFrame(restore);
}

/**
 * Makes a change to the list without moving the card being read.
 * @param list the element holding the cards
 * @param change the change
 */
export function keepAnchor(list: HTMLElement, change: () => void): void {
  // A card still held from an earlier change stays the anchor, at its place then.
  const still = held && held.el.isConnected && performance.now() <= held.until ? held : null;
  const anchor = still?.el ?? readingCard(list);
  const before = still?.top ?? anchor?.getBoundingClientRect().top ?? 0;
  change();
  if (anchor?.isConnected) holdAnchor(anchor, before);
}

/** Orders two cards by `data-created-at` then id: negative when `a` is older. */
function compareCards(a: HTMLElement, b: HTMLElement): number {
  const ca = a.dataset.createdAt ?? "";
  const cb = b.dataset.createdAt ?? "";
  if (ca !== cb) return ca < cb ? -1 : 1;
  return Number(a.dataset.responseId) - Number(b.dataset.responseId);
}

/**
 * Puts a card in its place by age. New cards are usually the newest, so the
 * walk starts from the newest end and is short.
 * @param list the element holding the cards
 * @param el the card
 * @param order oldest first or newest first
 */
export function insertByAge(list: HTMLElement, el: HTMLElement, order: CardOrder): void {
  if (order === "oldest") {
    let at = endCard(list, true);
    while (at && compareCards(at, el) > 0) at = stepCard(at, true);
    if (at) placeCard(at, el, true);
    else addCards(list, [el], true);
  } else {
    let at = endCard(list);
    while (at && compareCards(at, el) > 0) at = stepCard(at);
    if (at) placeCard(at, el, false);
    else addCards(list, [el]);
  }
}
