/**
 * What the board says about itself (PROTOCOL.md §8): "nothing to review" only
 * while connected with nothing pending; loading, offline, a refused token and
 * a server that is not ready each say so instead. Pure: the state from the
 * facts; `renderBoardState` writes it.
 * @module
 */
import type { ConnectionState } from "../sdk/mod.ts";

/** The values of `data-board-state`. */
export type BoardStateKind =
  | "loading"
  | "empty"
  | "cards"
  | "offline"
  | "refused"
  | "not-ready"
  | "no-token";

/** What the board state is judged from. */
export interface BoardFacts {
  /** The connection's state, or null when the page has no token. */
  readonly connection: ConnectionState | null;
  /** Whether a `SNAPSHOT` arrived on this page. */
  readonly snapshotSeen: boolean;
  /** Pending cards known. */
  readonly pending: number;
  /** `/readyz` as last asked while not connected: true, false, or null (not asked). */
  readonly ready: boolean | null;
}

/** The state and the line it shows. */
export interface BoardStateView {
  readonly kind: BoardStateKind;
  readonly text: string;
}

/**
 * The board's state.
 * @param f the facts
 * @returns the state and its line (empty for `cards`)
 */
export function boardState(f: BoardFacts): BoardStateView {
  const c = f.connection;
  if (c === null) {
    return { kind: "no-token", text: "No operator token: open the link you were given." };
  }
  switch (c.kind) {
    case "closed":
      if (c.reason.kind === "unauthorized") {
        return {
          kind: "refused",
          text: "The server refused your token (expired or invalid). Open a new operator link.",
        };
      }
      return { kind: "offline", text: "Offline. Reload the page to connect again." };
    case "connecting":
    case "reconnecting":
      if (f.ready === false) {
        return {
          kind: "not-ready",
          text: "The server is not ready (its database does not answer). Trying again…",
        };
      }
      if (c.kind === "connecting" && !f.snapshotSeen) {
        return { kind: "loading", text: "Loading the pending replies…" };
      }
      return {
        kind: "offline",
        text: f.snapshotSeen
          ? "Offline — reconnecting. The cards shown may be out of date."
          : "Offline — reconnecting…",
      };
    case "connected":
      if (!f.snapshotSeen) return { kind: "loading", text: "Loading the pending replies…" };
      if (f.pending === 0) return { kind: "empty", text: "Nothing to review." };
      return { kind: "cards", text: "" };
    default: {
      const unknown: never = c;
      return unknown;
    }
  }
}

/**
 * Writes the state: the `[data-board-state]` line, and the `[data-empty]`
 * note, which carries its attribute only while it shows.
 * @param line the state line
 * @param empty the "nothing to review" element
 * @param view the state
 */
export function renderBoardState(
  line: HTMLElement,
  empty: HTMLElement,
  view: BoardStateView,
): void {
  if (line.dataset.boardState !== view.kind) line.dataset.boardState = view.kind;
  const lineText = view.kind === "empty" || view.kind === "cards" ? "" : view.text;
  if (line.textContent !== lineText) line.textContent = lineText;
  line.hidden = lineText === "";
  const isEmpty = view.kind === "empty";
  empty.hidden = !isEmpty;
  if (isEmpty) empty.setAttribute("data-empty", "");
  else empty.removeAttribute("data-empty");
}
