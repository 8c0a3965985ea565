import assert from "node:assert/strict";
import { peopleOf } from "../../src/people/people_list.ts";

const c = (user: string | null, role: string | null, at: string, last: string) => ({
  user,
  role,
  connected_at: `2026-12-05T10:${at}Z`,
  last_heartbeat: `2026-12-05T10:${last}Z`,
});

Deno.test("people: connections folded per user over processes, revoked users added", () => {
  const body = peopleOf(
    [
      c("bob", "operator", "05:00.000", "09:00.000"),
      c("alice", "operator", "03:00.000", "04:00.000"),
      c("alice", "admin", "01:00.000", "08:00.000"),
      c(null, null, "00:00.000", "00:00.000"),
    ],
    [{ user: "carol", revokedAt: Date.UTC(2026, 11, 5, 9) }, { user: "bob", revokedAt: 0 }],
  );
  assert.deepEqual(body.people, [
    {
      user: "alice",
      roles: ["admin", "operator"],
      connections: 2,
      since: "2026-12-05T10:01:00.000Z",
      last_seen: "2026-12-05T10:08:00.000Z",
      revoked_at: null,
    },
    {
      user: "bob",
      roles: ["operator"],
      connections: 1,
      since: "2026-12-05T10:05:00.000Z",
      last_seen: "2026-12-05T10:09:00.000Z",
      revoked_at: "1970-01-01T00:00:00.000Z",
    },
    {
      user: "carol",
      roles: [],
      connections: 0,
      since: null,
      last_seen: null,
      revoked_at: "2026-12-05T09:00:00.000Z",
    },
  ]);
  assert.deepEqual(peopleOf([], []).people, []);
});
