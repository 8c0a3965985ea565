/**
 * Moving between cards with the keyboard: `j`/`k` (or arrow down/up on a
 * focused card) go to the next/previous card, `Home` to the newest.
 * @module
 */

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.isContentEditable);
}

/**
 * Installs the card navigation keys on a list of cards.
 * @param list the element holding the cards
 */
export function installCardKeys(list: HTMLElement): void {
  document.addEventListener("keydown", (ev) => {
    if (ev.altKey || ev.ctrlKey || ev.metaKey || isTyping(ev.target)) return;
    const target = ev.target instanceof HTMLElement ? ev.target : null;
    const onCard = target?.matches("[data-response-id]") ?? false;
    const current = target?.closest("[data-response-id]") ?? null;
    let next: Element | null | undefined;
    if (ev.key === "j" || (onCard && ev.key === "ArrowDown")) {
      next = current ? current.nextElementSibling : list.firstElementChild;
    } else if (ev.key === "k" || (onCard && ev.key === "ArrowUp")) {
      next = current ? current.previousElementSibling : list.firstElementChild;
    } else if (ev.key === "Home" && onCard) {
      next = list.firstElementChild;
    } else {
      return;
    }
    if (next instanceof HTMLElement) {
      ev.preventDefault();
      next.focus();
      next.scrollIntoView({ block: "nearest" });
    }
  });
}
