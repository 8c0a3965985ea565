/**
 * The connection indicator: maps the client's state to the page hook
 * `data-connection-state` (`connected`, `reconnecting`, `offline`) and a line
 * a person reads, with the next try's countdown.
 * @module
 */
import type { ConnectionState } from "../sdk/mod.ts";

/** The three values of the `data-connection-state` hook. */
export type IndicatorState = "connected" | "reconnecting" | "offline";

/** What the indicator shows. */
export interface IndicatorView {
  readonly state: IndicatorState;
  readonly text: string;
}

/**
 * What the indicator shows for a client state at a moment.
 * @param status the client's state
 * @param now the current time (ms since epoch), for the countdown
 * @returns the hook value and the text
 */
export function indicatorView(status: ConnectionState, now: number): IndicatorView {
  switch (status.kind) {
    case "connecting":
      return { state: "reconnecting", text: "Connecting…" };
    case "connected":
      return { state: "connected", text: `Connected as ${status.user}` };
    case "reconnecting": {
      if (status.retryAt === null) {
        return { state: "reconnecting", text: "Reconnecting — trying now…" };
      }
      const seconds = Math.max(0, Math.ceil((status.retryAt - now) / 1000));
      return { state: "reconnecting", text: `Reconnecting — next try in ${seconds} s` };
    }
    case "closed":
      return { state: "offline", text: offlineText(status.reason) };
    default: {
      const unknown: never = status;
      return unknown;
    }
  }
}

function offlineText(reason: Extract<ConnectionState, { kind: "closed" }>["reason"]): string {
  switch (reason.kind) {
    case "unauthorized":
      return reason.revoked
        ? "Offline — your access was revoked"
        : "Offline — the token was refused";
    case "server":
      return "Offline — the server ended the session";
    case "protocol":
      return `Offline — the server refused this page (${reason.code})`;
    case "client":
      return "Offline";
    default: {
      const unknown: never = reason;
      return unknown;
    }
  }
}

/**
 * Writes a view into the indicator element, touching the DOM only on change.
 * @param el the element with `data-connection-state`
 * @param view what to show
 */
export function renderIndicator(el: HTMLElement, view: IndicatorView): void {
  if (el.dataset.connectionState !== view.state) el.dataset.connectionState = view.state;
  const text = el.querySelector(".connection-text") ?? el;
  if (text.textContent !== view.text) text.textContent = view.text;
}
