/**
 * Where the focus goes when a card leaves the list: the next card shown takes
 * both the focus and the leaving card's place on screen, so the page does not
 * scroll. A card leaves when its decision's event arrives (`removeFocused`),
 * or at once when a key decided it (`hideDecided`), and comes back when the server
 * refuses that decision (`bringBack`).
 * @module
 */
import { holdAnchor, keepAnchor, topInset } from "./anchor.ts";
import { removeCard, stepCard } from "./card_list.ts";
import { type CardFilter, cardShown } from "./filters.ts";

/**
 * A key decided the focused card: it is hidden (`data-deciding`) and the
 * next card takes the focus and its place now; its EVENT removes it later
 * (nothing moves then) and a refusal brings it back (`bringBack`). Waiting
 * for the server's EVENT made keystroke → next card 28–34 ms at p50 and
 * 40–92 ms at p95 on a loaded machine, of which the page's own work was 6–12 ms.
 * @param list the element holding the cards
 * @param el the decided card
 */
export function hideDecided(list: HTMLElement, el: HTMLElement): void {
  const next = neighbour(el);
  const below = next !== null && next === nextShown(el);
  const top = below ? null : el.getBoundingClientRect().top;
  el.dataset.deciding = "true";
  el.hidden = true;
  if (!next) return list.focus({ preventScroll: true });
  next.focus({ preventScroll: true });
  const at = next.getBoundingClientRect().top;
  holdAnchor(next, Math.max(top ?? at, topInset() + 8));
}

/**
 * The server refused a decision made ahead: the card comes back, focused, where the operator looks.
 * @param list the element holding the cards
 * @param el the card
 * @param filter the filter in force (the card comes back only if it passes)
 */
export function bringBack(list: HTMLElement, el: HTMLElement, filter: CardFilter): void {
  delete el.dataset.deciding;
  const active = document.activeElement;
  if (!(active instanceof HTMLElement) || !list.contains(active)) {
    // The operator is elsewhere (a field, another view): nothing on screen moves.
    return keepAnchor(list, () => el.hidden = !cardShown(el, filter));
  }
  const top = active.closest<HTMLElement>("[data-response-id]")?.getBoundingClientRect().top;
  el.hidden = !cardShown(el, filter);
  if (el.hidden) return;
  el.focus({ preventScroll: true });
  if (top === undefined) el.scrollIntoView({ block: "nearest" });
  else holdAnchor(el, Math.max(top, topInset() + 8));
}

/**
 * Removes a decided card that has the focus: the next card takes the focus and its place.
 * @param list the element holding the cards
 * @param el the decided card
 */
export function removeFocused(list: HTMLElement, el: HTMLElement): void {
  const next = neighbour(el);
  const below = next !== null && next === nextShown(el);
  // The following card takes the decided one's place by itself; only the
  // last card (whose neighbour is above it) needs measuring first.
  const top = below ? null : el.getBoundingClientRect().top;
  // Removed first, so the next card is focused where it will stay.
  removeCard(el);
  if (!next) return list.focus({ preventScroll: true });
  next.focus({ preventScroll: true });
  const at = next.getBoundingClientRect().top;
  holdAnchor(next, Math.max(top ?? at, topInset() + 8));
}

/** The next card shown after `el`, or null. */
function nextShown(el: HTMLElement): HTMLElement | null {
  let at = stepCard(el);
  while (at?.hidden) at = stepCard(at);
  return at;
}

/** The card shown that takes `el`'s place: the next one, else the one before; or null. */
function neighbour(el: HTMLElement): HTMLElement | null {
  for (const back of [false, true]) {
    let at = stepCard(el, back);
    while (at?.hidden) at = stepCard(at, back);
    if (at) return at;
  }
  return null;
}
