/**
 * The list of recent decisions: when a card leaves, a line says who decided it
 * (the card itself leaves the list at once, so nobody acts on it again).
 * @module
 */
import type { ApprovedEvent, RejectedEvent } from "../sdk/mod.ts";
import { h } from "./dom.ts";

/** How many recent decisions stay listed. */
export const RECENT_DECISIONS = 5;

/**
 * The sentence for a decision.
 * @param event the `approved` or `rejected` event
 * @param me the user of this page, to say "You"
 * @returns the sentence
 */
export function decisionText(event: ApprovedEvent | RejectedEvent, me: string | null): string {
  const mine = event.by === me;
  const reply = `reply #${event.response_id}`;
  switch (event.event) {
    case "approved":
      return mine ? `You approved ${reply}` : `Reply #${event.response_id} approved by ${event.by}`;
    case "rejected": {
      const reason = event.reason ? ` — ${event.reason}` : "";
      return (mine
        ? `You rejected ${reply}`
        : `Reply #${event.response_id} rejected by ${event.by}`) +
        reason;
    }
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

/**
 * Adds a decision at the top of the list and drops the oldest past the limit.
 * @param list the `<ol>`
 * @param event the decision
 * @param me the user of this page
 */
export function noteDecision(
  list: HTMLElement,
  event: ApprovedEvent | RejectedEvent,
  me: string | null,
): void {
  list.prepend(
    h("li", {
      class: `decision decision--${event.event}`,
      "data-decided-response-id": String(event.response_id),
      "data-decided-by": event.by,
    }, decisionText(event, me)),
  );
  while (list.childElementCount > RECENT_DECISIONS) list.lastElementChild?.remove();
}
