/**
 * Who is connected, as pure data: this process's roster of reviewers
 * (operators and admins) by connection, the report a process shares with
 * the others, and the merge of every process's report into the list that
 * `PRESENCE` carries. No I/O and no clock of its own.
 * @module
 */
import type { PresenceEntry } from "../protocol/frames.ts";

/** What one process reports: per user, its connections and the earliest one's start. */
export type PresenceReport = readonly PresenceEntry[];

/** This process's reviewers, connection by connection. */
export class LocalRoster {
  /** user → client id → connected at (ms since the epoch). */
  readonly #users = new Map<string, Map<string, number>>();

  /**
   * Counts a connection.
   * @param user the user
   * @param clientId the connection
   * @param connectedAt when it opened (ms since the epoch)
   * @returns whether the roster changed
   */
  add(user: string, clientId: string, connectedAt: number): boolean {
    let conns = this.#users.get(user);
    if (!conns) this.#users.set(user, conns = new Map());
    if (conns.has(clientId)) return false;
    conns.set(clientId, connectedAt);
    return true;
  }

  /**
   * Forgets a connection.
   * @param user the user
   * @param clientId the connection
   * @returns whether the roster changed
   */
  remove(user: string, clientId: string): boolean {
    const conns = this.#users.get(user);
    if (!conns?.delete(clientId)) return false;
    if (conns.size === 0) this.#users.delete(user);
    return true;
  }

  /** The report to share: one entry per user, sorted by user. */
  report(): PresenceReport {
    const out: PresenceEntry[] = [];
    for (const [user, conns] of this.#users) {
      let since = Infinity;
      for (const at of conns.values()) since = Math.min(since, at);
      out.push({ user, connections: conns.size, since: new Date(since).toISOString() });
    }
    return out.sort(byUser);
  }
}

const byUser = (a: PresenceEntry, b: PresenceEntry) =>
  a.user < b.user ? -1 : a.user > b.user ? 1 : 0;

/**
 * Merges the reports of every process: connections add up, `since` is the earliest.
 * @param reports one report per live process
 * @returns the list, sorted by user
 */
export function mergeReports(reports: Iterable<PresenceReport>): PresenceEntry[] {
  const users = new Map<string, { connections: number; since: string }>();
  for (const report of reports) {
    for (const e of report) {
      const seen = users.get(e.user);
      if (!seen) users.set(e.user, { connections: e.connections, since: e.since });
      else {
        seen.connections += e.connections;
        if (e.since < seen.since) seen.since = e.since; // ISO-8601 UTC sorts as text
      }
    }
  }
  return [...users].map(([user, v]) => ({ user, ...v })).sort(byUser);
}

/**
 * Reads a report another process wrote, dropping whatever is malformed.
 * @param text the stored JSON
 * @returns the entries that are well formed
 */
export function parseReport(text: string): PresenceReport {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(raw)) return [];
  return raw.filter((e): e is PresenceEntry =>
    typeof e === "object" && e !== null && typeof e.user === "string" &&
    Number.isSafeInteger(e.connections) && e.connections > 0 && typeof e.since === "string"
  );
}
