/**
 * The recent decisions as the page keeps them (PROTOCOL.md §3.4, §8): one
 * entry per decided response, its publication state, changed only by
 * `applyEvent` from the events (`approved`, `rejected`, `reopened`, `queued`,
 * `publishing`, `published`, `publish_failed`) and made from
 * `SNAPSHOT.in_flight`. Pure: no DOM here.
 * @module
 */

/** The states of `data-publication-state`. */
export type PublicationState =
  | "held"
  | "queued"
  | "publishing"
  | "published"
  | "failed"
  | "rejected";

/** One recent decision. */
export interface RecentEntry {
  readonly id: number;
  readonly decision: "approved" | "rejected";
  readonly by: string;
  /** When the undo window ends (ms), or null when there is none. */
  readonly undoUntil: number | null;
  readonly state: PublicationState;
  /** The attempt under way or due (from 1), 0 before the first. */
  readonly attempt: number;
  /** The module publishing it, while `publishing`. */
  readonly module: string | null;
  /** The published reply's address, when known. */
  readonly url: string | null;
  /** The last failure's reason, when there was one. */
  readonly lastError: string | null;
  /** A rejection's reason. */
  readonly reason: string | null;
  /** When the next attempt is due (ms), when queued after a failure. */
  readonly dueAt: number | null;
  /** True when an earlier attempt's outcome was never reported. */
  readonly maybeApplied: boolean;
}

/** An event as the page reads it: any `EVENT` frame, fields read defensively. */
export type AnyEvent =
  & { readonly event: string; readonly response_id: number }
  & Readonly<
    Record<string, unknown>
  >;

const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const time = (v: unknown): number | null => {
  const ms = typeof v === "string" ? Date.parse(v) : NaN;
  return Number.isFinite(ms) ? ms : null;
};

function fresh(id: number, decision: "approved" | "rejected", by: string): RecentEntry {
  return {
    id,
    decision,
    by,
    undoUntil: null,
    state: decision === "rejected" ? "rejected" : "held",
    attempt: 0,
    module: null,
    url: null,
    lastError: null,
    reason: null,
    dueAt: null,
    maybeApplied: false,
  };
}

/** What an event does to the list: the entry's new value, its removal, or nothing. */
export type Outcome =
  | { readonly kind: "set"; readonly entry: RecentEntry }
  | { readonly kind: "remove" }
  | { readonly kind: "none" };

const NONE: Outcome = { kind: "none" };

/**
 * What an event does to a recent decision.
 * @param entry the entry now, or undefined when the list has none for it
 * @param e the event
 * @returns the outcome
 */
export function applyEvent(entry: RecentEntry | undefined, e: AnyEvent): Outcome {
  const id = e.response_id;
  switch (e.event) {
    case "approved":
    case "rejected": {
      const undoUntil = time(e.undo_until);
      const at = time(e.at);
      const base = fresh(id, e.event, str(e.by) ?? "");
      const open = undoUntil !== null && (at === null || undoUntil > at);
      // An approval with no window left is about to be queued.
      const state = e.event === "rejected" ? "rejected" : open ? "held" : "queued";
      return {
        kind: "set",
        entry: { ...base, undoUntil: open ? undoUntil : null, state, reason: str(e.reason) },
      };
    }
    case "reopened":
      return entry ? { kind: "remove" } : NONE;
    case "queued": {
      const base = entry ?? fresh(id, "approved", "");
      return {
        kind: "set",
        entry: {
          ...base,
          state: "queued",
          undoUntil: null,
          attempt: num(e.attempt),
          module: null,
          dueAt: time(e.due_at),
          maybeApplied: e.maybe_applied === true,
        },
      };
    }
    case "publishing": {
      const base = entry ?? fresh(id, "approved", "");
      return {
        kind: "set",
        entry: {
          ...base,
          state: "publishing",
          undoUntil: null,
          attempt: num(e.attempt),
          module: str(e.by),
          dueAt: null,
        },
      };
    }
    case "published": {
      const base = entry ?? fresh(id, "approved", "");
      return {
        kind: "set",
        entry: {
          ...base,
          state: "published",
          undoUntil: null,
          attempt: num(e.attempt),
          module: str(e.by),
          url: str(e.url),
          dueAt: null,
        },
      };
    }
    case "publish_failed": {
      const base = entry ?? fresh(id, "approved", "");
      const final = e.final === true;
      return {
        kind: "set",
        entry: {
          ...base,
          state: final ? "failed" : "queued",
          undoUntil: null,
          attempt: num(e.attempt),
          lastError: str(e.reason),
          module: null,
          dueAt: final ? null : time(e.due_at),
        },
      };
    }
    default:
      return NONE;
  }
}

/**
 * An entry from a `SNAPSHOT.in_flight` item.
 * @param item the item (any shape)
 * @returns the entry, or null when the item names no response
 */
export function entryFromInFlight(item: unknown): RecentEntry | null {
  const i = (item ?? {}) as Record<string, unknown>;
  const id = i.response_id;
  if (typeof id !== "number") return null;
  const decision = i.status === "rejected" ? "rejected" : "approved";
  const pub = (i.publication ?? null) as Record<string, unknown> | null;
  const undoUntil = time(i.undo_until);
  const known = ["queued", "publishing", "published", "failed", "held"];
  const pubState = pub && typeof pub.state === "string" && known.includes(pub.state)
    ? pub.state as PublicationState
    : null;
  return {
    ...fresh(id, decision, str(i.decided_by) ?? ""),
    undoUntil,
    state: decision === "rejected" ? "rejected" : pubState ?? "held",
    attempt: pub ? num(pub.attempts) : 0,
    url: pub ? str(pub.url) : null,
    lastError: pub ? str(pub.last_error) : null,
  };
}

/**
 * Whether a decision can still be undone.
 * @param entry the entry
 * @param now server time (ms)
 * @returns true within the window (and before its publication was queued)
 */
export function undoable(entry: RecentEntry, now: number): boolean {
  return entry.undoUntil !== null && entry.undoUntil > now &&
    (entry.state === "held" || entry.state === "rejected");
}

/**
 * What an entry says.
 * @param entry the entry
 * @param me the user of this page (to say "You")
 * @returns e.g. `You approved #12 — publishing by vk-bot (attempt 1)`
 */
export function entryText(entry: RecentEntry, me: string | null): string {
  const who = entry.by === "" ? "" : entry.by === me ? "You " : `${entry.by} `;
  const verb = entry.decision === "approved" ? "approved" : "rejected";
  const head = who === "" ? `#${entry.id} ${verb}` : `${who}${verb} #${entry.id}`;
  const attempt = entry.attempt > 0 ? ` (attempt ${entry.attempt})` : "";
  switch (entry.state) {
    case "held":
      return `${head} — held for undo`;
    case "rejected":
      return entry.reason ? `${head} — ${entry.reason}` : head;
    case "queued":
      return `${head} — queued${attempt}${
        entry.lastError ? `; last try failed: ${entry.lastError}` : ""
      }`;
    case "publishing":
      return `${head} — publishing${entry.module ? ` by ${entry.module}` : ""}${attempt}`;
    case "published":
      return `${head} — published`;
    case "failed":
      return `${head} — publication failed${attempt}: ${entry.lastError ?? "no reason given"}`;
    default: {
      const unknown: never = entry.state;
      return unknown;
    }
  }
}
