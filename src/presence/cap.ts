/**
 * The `PRESENCE` frame as v1.2 bounds it (issue 13, rows M6/M6b): at most
 * `MAX_PRESENCE_PEOPLE` people, the earliest `since` first, and `total`,
 * how many are present; and never more than `MAX_PRESENCE_BYTES` encoded
 * (long user names list fewer people), so one frame always fits a
 * client's per-second allowance (`byte_budget.ts`). Pure.
 * @module
 */
import type { PresenceEntry } from "../protocol/frames.ts";

/** The most people one `PRESENCE` lists (v1.2). */
export const MAX_PRESENCE_PEOPLE = 100;

/** The most bytes of `PRESENCE` a client receives per second, and so the largest frame (v1.2). */
export const MAX_PRESENCE_BYTES = 16 * 1024;

const encoder = new TextEncoder();

/** Earliest `since` first; ties by user, so every process orders alike. */
const bySince = (a: PresenceEntry, b: PresenceEntry) =>
  a.since < b.since ? -1 : a.since > b.since ? 1 : a.user < b.user ? -1 : a.user > b.user ? 1 : 0;

/** A `PRESENCE` frame's text and its size in bytes. */
export interface PresenceText {
  /** The JSON text. */
  readonly text: string;
  /** Its UTF-8 length. */
  readonly bytes: number;
}

/**
 * The `PRESENCE` frame of a merged list.
 * @param list everyone present (any order)
 * @param maxPeople the most people listed
 * @param maxBytes the largest frame
 * @returns the text, listing the earliest arrivals that fit, and `total`
 */
export function presenceText(
  list: readonly PresenceEntry[],
  maxPeople = MAX_PRESENCE_PEOPLE,
  maxBytes = MAX_PRESENCE_BYTES,
): PresenceText {
  const shown = [...list].sort(bySince).slice(0, maxPeople);
  for (;;) {
    const text = JSON.stringify({ type: "PRESENCE", operators: shown, total: list.length });
    const bytes = encoder.encode(text).length;
    if (bytes <= maxBytes || shown.length === 0) return { text, bytes };
    // Drop as many as the excess needs, at least one (a user name is at most 255 characters).
    const perEntry = bytes / shown.length;
    shown.length -= Math.max(1, Math.ceil((bytes - maxBytes) / perEntry));
  }
}
