/**
 * The filter of pending cards: a platform and words to find, and whether a
 * card on the page passes it; and the tab title that carries the pending count.
 * @module
 */

/** What the pending list shows. */
export interface CardFilter {
  /** `""` for every platform, else `vk` or `telegram`. */
  readonly platform: string;
  /** Words that must all appear in the card (case-insensitive); `""` for none. */
  readonly text: string;
}

/** A filter that shows every card. */
export const SHOW_ALL: CardFilter = { platform: "", text: "" };

/**
 * Whether a card passes the filter.
 * @param platform the card's platform
 * @param text the card's text as shown
 * @param filter the filter
 * @returns true when it is shown
 */
export function matchesFilter(platform: string, text: string, filter: CardFilter): boolean {
  if (filter.platform !== "" && platform !== filter.platform) return false;
  const haystack = text.toLocaleLowerCase();
  return filter.text.toLocaleLowerCase().split(/\s+/).every((w) => haystack.includes(w));
}

/**
 * Whether a card on the page shows under a filter: a card decided ahead
 * (`data-deciding`, until its event removes it) never does.
 * @param el the card
 * @param filter the filter
 * @returns true when it is shown
 */
export function cardShown(el: HTMLElement, filter: CardFilter): boolean {
  if (el.dataset.deciding) return false;
  if (filter === SHOW_ALL) return true;
  const text = el.querySelector(".card-content")?.textContent ?? "";
  return matchesFilter(el.dataset.platform ?? "", text, filter);
}

/** The page's title without a count. */
export const BASE_TITLE = "Review hub";

/**
 * The tab's title: the pending count first, so it reads in a narrow tab.
 * @param pending the number of pending cards
 * @returns e.g. `(3) Review hub`
 */
export function titleFor(pending: number): string {
  return pending > 0 ? `(${pending}) ${BASE_TITLE}` : BASE_TITLE;
}

/**
 * The line under the filter: how many of how many cards are shown.
 * @param shown cards that pass the filter
 * @param total pending cards
 * @returns e.g. `2 of 5 shown`, or `""` when the filter hides none
 */
export function shownText(shown: number, total: number): string {
  return shown === total ? "" : `${shown} of ${total} shown`;
}
