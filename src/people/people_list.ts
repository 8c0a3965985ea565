/**
 * The answer of `GET /api/admin/people` (PROTOCOL.md §2, v1.2) as a pure
 * function: the alive connections of every process sharing the database
 * (the cluster view's client list) folded per user, and every revoked user.
 * Pure, so the folding is table-tested.
 * @module
 */
import type { ClientFigure } from "../dashboard/figures.ts";
import type { Revocation } from "./revocations.ts";
import type { PeopleBody, Person } from "../protocol/http_bodies.ts";

/**
 * Folds connections and revocations into the people list.
 * @param clients the alive connections of every process (null users are skipped)
 * @param revocations every revocation known
 * @returns one person per user, sorted by user
 */
export function peopleOf(
  clients: readonly Pick<ClientFigure, "user" | "role" | "connected_at" | "last_heartbeat">[],
  revocations: readonly Revocation[],
): PeopleBody {
  const byUser = new Map<
    string,
    { roles: Set<string>; connections: number; since: string | null; last: string | null }
  >();
  const entry = (user: string) => {
    let e = byUser.get(user);
    if (!e) byUser.set(user, e = { roles: new Set(), connections: 0, since: null, last: null });
    return e;
  };
  for (const c of clients) {
    if (c.user === null) continue;
    const e = entry(c.user);
    if (c.role !== null) e.roles.add(c.role);
    e.connections++;
    // ISO-8601 UTC sorts as text.
    if (e.since === null || c.connected_at < e.since) e.since = c.connected_at;
    if (e.last === null || c.last_heartbeat > e.last) e.last = c.last_heartbeat;
  }
  const revokedAt = new Map(revocations.map((r) => [r.user, r.revokedAt]));
  for (const user of revokedAt.keys()) entry(user);
  const people = [...byUser].map(([user, e]): Person => {
    const at = revokedAt.get(user);
    return {
      user,
      roles: [...e.roles].sort(),
      connections: e.connections,
      since: e.since,
      last_seen: e.last,
      revoked_at: at === undefined ? null : new Date(at).toISOString(),
    };
  });
  people.sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0));
  return { people };
}
