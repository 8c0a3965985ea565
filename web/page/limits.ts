/**
 * What the server accepts and how the page counts it: the longest reply and
 * reason (`WELCOME.limits`, v1.2), the SLA (`WELCOME.sla_minutes`, an addition)
 * and the undo window, with the defaults of the contract until a `WELCOME`
 * says otherwise; and the pure rule of a character counter. The page never
 * truncates: past a limit it refuses to send and says why.
 * @module
 */

/** The figures the page works with. */
export interface PageLimits {
  /** Longest reply, in characters. */
  readonly text: number;
  /** Longest reason, in characters. */
  readonly reason: number;
  /** A pending reply older than this is overdue (minutes). */
  readonly slaMinutes: number;
  /** How long a decision can be undone (ms). */
  readonly undoWindowMs: number;
}

/** The contract's defaults (PROTOCOL.md §3.2, §7). */
export const DEFAULT_LIMITS: PageLimits = {
  text: 4096,
  reason: 1024,
  slaMinutes: 15,
  undoWindowMs: 10_000,
};

function positive(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : fallback;
}

/**
 * The limits a `WELCOME` announces, each falling back to the default when absent or odd.
 * @param welcome the `WELCOME` frame (any shape)
 * @returns the limits
 */
export function limitsFromWelcome(welcome: unknown): PageLimits {
  const w = (welcome ?? {}) as Record<string, unknown>;
  const limits = (w.limits ?? {}) as Record<string, unknown>;
  const undo = w.undo_window_ms;
  return {
    text: positive(limits.text, DEFAULT_LIMITS.text),
    reason: positive(limits.reason, DEFAULT_LIMITS.reason),
    slaMinutes: positive(w.sla_minutes, DEFAULT_LIMITS.slaMinutes),
    undoWindowMs: typeof undo === "number" && undo >= 0 ? undo : DEFAULT_LIMITS.undoWindowMs,
  };
}

/** What a counter shows. */
export interface CounterView {
  /** Characters left (negative past the limit). */
  readonly left: number;
  /** True past the limit: sending is refused. */
  readonly over: boolean;
  /** The line a person reads. */
  readonly text: string;
}

/**
 * The counter of a field: characters as the server counts them (UTF-16 units,
 * JavaScript's `length`, as the server's decoder measures a field).
 * @param value the field's text
 * @param limit the longest accepted
 * @returns what the counter shows
 */
export function counterView(value: string, limit: number): CounterView {
  const left = limit - value.length;
  if (left >= 0) return { left, over: false, text: `${left} characters left` };
  return {
    left,
    over: true,
    text: `${left} — ${-left} characters over the limit of ${limit}: shorten it to send`,
  };
}
