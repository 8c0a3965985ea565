/**
 * The presence strip: who is online (every operator and admin on any server
 * process, from `PRESENCE`), with a count of connections per person.
 * @module
 */
import { h } from "./dom.ts";

/** One person in a `PRESENCE` frame. */
export interface PresenceEntry {
  readonly user: string;
  readonly connections: number;
  readonly since: string;
}

/** One chip of the strip. */
export interface PresenceChip {
  readonly user: string;
  readonly connections: number;
  readonly label: string;
  readonly me: boolean;
}

/**
 * The chips for a `PRESENCE` list: this page's user first, then by name;
 * malformed entries are skipped.
 * @param operators the frame's `operators`
 * @param me the user of this page
 * @returns the chips, in display order
 */
export function presenceChips(operators: readonly unknown[], me: string | null): PresenceChip[] {
  const chips: PresenceChip[] = [];
  for (const entry of operators) {
    const e = entry as Partial<PresenceEntry> | null;
    if (!e || typeof e.user !== "string") continue;
    const connections = Number.isSafeInteger(e.connections) && e.connections! > 0
      ? e.connections!
      : 1;
    const mine = e.user === me;
    const name = mine ? `${e.user} (you)` : e.user;
    chips.push({
      user: e.user,
      connections,
      me: mine,
      label: connections > 1 ? `${name} ×${connections}` : name,
    });
  }
  return chips.sort((a, b) => Number(b.me) - Number(a.me) || a.user.localeCompare(b.user));
}

/**
 * Draws the strip (names as text).
 * @param el the strip's list element
 * @param summary the element that says how many are online
 * @param chips the chips
 * @param total (v1.2 `PRESENCE.total`) how many are present: the server lists
 *   at most 100, so the rest show as "+N more"
 */
export function renderPresence(
  el: HTMLElement,
  summary: HTMLElement,
  chips: readonly PresenceChip[],
  total: number = chips.length,
): void {
  const present = Math.max(total, chips.length);
  const more = present - chips.length;
  el.replaceChildren(
    ...chips.map((chip) =>
      h("li", {
        class: chip.me ? "presence-chip presence-chip--me" : "presence-chip",
        "data-presence-user": chip.user,
        "data-connections": String(chip.connections),
        title: `${chip.connections} connection${chip.connections === 1 ? "" : "s"}`,
      }, chip.label)
    ),
    ...(more > 0 ? [h("li", { class: "presence-chip presence-more" }, `+${more} more`)] : []),
  );
  summary.textContent = present === 1 ? "1 online" : `${present} online`;
}
