/**
 * The page's keys: `j`/`k` (or arrow down/up on a focused card) move to the
 * next/previous shown card, `Home` to the first; on the focused card `a`
 * approves, `r` rejects, `e` edits; `/` goes to the search field; `?` opens
 * the list of keys. Keys are ignored while typing in a field.
 * @module
 */
import { onScreen } from "./anchor.ts";
import type { CardAction } from "./card.ts";
import { endCard, stepCard } from "./card_list.ts";

/** What the keys act on. */
export interface KeyTargets {
  /** The element holding the cards. */
  readonly list: HTMLElement;
  /** Does a card's action (ignored when its control is disabled). */
  act(card: HTMLElement, action: CardAction): void;
  /** Moves focus to the current view's search field. */
  search(): void;
  /** Opens the list of keys. */
  help(): void;
  /** Whether the cards are on screen (not the History view). */
  boardShown(): boolean;
}

/** The keys and what they do, for the help list. */
export const KEYS: ReadonlyArray<readonly [string, string]> = [
  ["j / ↓", "next card"],
  ["k / ↑", "previous card"],
  ["a", "approve the focused card (saves an edited reply)"],
  ["r", "reject the focused card (with the reason typed)"],
  ["e", "edit the reply (claims the card for you)"],
  ["Esc", "in the editor: cancel editing and release the card"],
  ["Ctrl+Enter", "in the editor: save and approve"],
  ["/", "search"],
  ["?", "this list"],
];

const CARD_KEYS: Readonly<Record<string, CardAction>> = { a: "approve", r: "reject", e: "edit" };

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el &&
    (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
      el.isContentEditable);
}

/** The first shown card from `el` on (itself included), walking forward or back. */
function shown(el: HTMLElement | null, back: boolean): HTMLElement | null {
  let at = el;
  while (at?.hidden) at = stepCard(at, back);
  return at;
}

/**
 * Installs the keys on the document.
 * @param targets the cards and the page's actions
 */
export function installKeys(targets: KeyTargets): void {
  const { list } = targets;
  document.addEventListener("keydown", (ev) => {
    if (ev.altKey || ev.ctrlKey || ev.metaKey || ev.defaultPrevented || isTyping(ev.target)) {
      return;
    }
    if (ev.key === "?") {
      ev.preventDefault();
      return targets.help();
    }
    if (ev.key === "/") {
      ev.preventDefault();
      return targets.search();
    }
    if (!targets.boardShown()) return;
    const target = ev.target instanceof HTMLElement ? ev.target : null;
    const onCard = target?.matches("[data-response-id]") ?? false;
    const current = target?.closest<HTMLElement>("[data-response-id]") ?? null;
    const action = CARD_KEYS[ev.key];
    if (action) {
      if (!current) return;
      ev.preventDefault();
      // A decision from the keyboard only ever applies to a card the operator can see.
      if (!onScreen(current)) return current.scrollIntoView({ block: "nearest" });
      return targets.act(current, action);
    }
    let next: HTMLElement | null;
    if (ev.key === "j" || (onCard && ev.key === "ArrowDown")) {
      next = current ? shown(stepCard(current), false) : shown(endCard(list), false);
    } else if (ev.key === "k" || (onCard && ev.key === "ArrowUp")) {
      next = current ? shown(stepCard(current, true), true) : shown(endCard(list), false);
    } else if (ev.key === "Home" && onCard) {
      next = shown(endCard(list), false);
    } else {
      return;
    }
    if (next) {
      ev.preventDefault();
      next.focus({ preventScroll: true });
      next.scrollIntoView({ block: "nearest" });
    }
  });
}
