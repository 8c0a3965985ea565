/**
 * The page's two views (the pending cards and the History) and the list of
 * keys in a `<dialog>` (an element of the page, never a browser dialog).
 * @module
 */
import { byId, h } from "./dom.ts";
import { KEYS } from "./keyboard.ts";

/** The views of the page. */
export type View = "board" | "history";

/** Switches between the views with the tab buttons. */
export class Views {
  #current: View = "board";
  readonly #shown: (view: View) => void;

  /** @param shown called after a view is shown (e.g. to load the History the first time) */
  constructor(shown: (view: View) => void) {
    this.#shown = shown;
    for (const view of ["board", "history"] as const) {
      byId(`tab-${view}`).addEventListener("click", () => this.show(view));
    }
  }

  /** The view on screen. */
  get current(): View {
    return this.#current;
  }

  /**
   * Shows a view and hides the other.
   * @param view the view
   */
  show(view: View): void {
    this.#current = view;
    byId("board-view").hidden = view !== "board";
    byId("history-view").hidden = view !== "history";
    for (const name of ["board", "history"] as const) {
      byId(`tab-${name}`).setAttribute("aria-pressed", String(name === view));
    }
    this.#shown(view);
  }
}

/**
 * Fills the keys dialog and wires its buttons.
 * @returns a function that opens it
 */
export function installHelp(): () => void {
  const dialog = byId("help") as HTMLDialogElement;
  byId("help-keys").replaceChildren(
    ...KEYS.flatMap(([key, what]) => [h("dt", {}, h("kbd", {}, key)), h("dd", {}, what)]),
  );
  const open = () => {
    if (!dialog.open) dialog.showModal();
  };
  byId("help-open").addEventListener("click", open);
  byId("help-close").addEventListener("click", () => dialog.close());
  return open;
}
