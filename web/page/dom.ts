/**
 * The page's only way to make elements: every string goes in as text
 * (`textContent`) or as an attribute value, never as markup. The one
 * exception, the server's escaped card HTML, lives in `card.ts`.
 * @module
 */

/** Attributes to set; `hidden`/`disabled` as booleans. */
export type Attrs = Readonly<Record<string, string | boolean | undefined>>;

/**
 * Makes an element with attributes and children.
 * @param tag the tag name
 * @param attrs attributes (`false`/`undefined` skip, `true` sets an empty one)
 * @param children text (inserted as text) or nodes
 * @returns the element
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Array<string | Node>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? "" : value);
  }
  el.append(...children); // strings become text nodes
  return el;
}

/**
 * Finds an element by id that the page's HTML must contain.
 * @param id the element's id
 * @returns the element
 * @throws {Error} when the HTML lacks it
 */
export function byId(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page lacks #${id}`);
  return el;
}
