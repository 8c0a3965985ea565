/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The page's pure parts added for the working day (issue 17, issue 14's page):
 * the recent decisions' states from events and from `SNAPSHOT.in_flight`, the
 * counters, ages and overdue marks, what collapses, the board's honest state,
 * the limits from `WELCOME`, and the History query's dates.
 */
import assert from "node:assert/strict";
import { ageText, createdAtOf, isOverdue } from "../../web/page/age.ts";
import { boardState } from "../../web/page/board_state.ts";
import { isLong } from "../../web/page/collapse.ts";
import { dayStart, historyQuery, historySearchParams } from "../../web/page/history.ts";
import { counterView, DEFAULT_LIMITS, limitsFromWelcome } from "../../web/page/limits.ts";
import {
  type AnyEvent,
  applyEvent,
  entryFromInFlight,
  entryText,
  type RecentEntry,
  undoable,
} from "../../web/page/publication.ts";

const ev = (event: string, fields: Record<string, unknown> = {}): AnyEvent =>
  ({ event, response_id: 7, ...fields }) as AnyEvent;

function run(events: AnyEvent[]): RecentEntry | undefined {
  let entry: RecentEntry | undefined;
  for (const e of events) {
    const out = applyEvent(entry, e);
    if (out.kind === "set") entry = out.entry;
    else if (out.kind === "remove") entry = undefined;
  }
  return entry;
}

Deno.test("an approval goes held → queued → publishing → published, with its link", () => {
  const at = "2026-12-05T10:00:00.000Z";
  const undo = "2026-12-05T10:00:10.000Z";
  const held = run([ev("approved", { by: "bob", at, undo_until: undo, text: "t" })])!;
  assert.equal(held.state, "held");
  assert.equal(undoable(held, Date.parse(at) + 5_000), true);
  assert.equal(undoable(held, Date.parse(undo)), false);
  assert.equal(entryText(held, "bob"), "You approved #7 — held for undo");
  const publishing = run([
    ev("approved", { by: "bob", at, undo_until: undo }),
    ev("queued", { attempt: 1, due_at: undo, maybe_applied: false }),
    ev("publishing", { by: "vk-bot", attempt: 1, lease_until: undo }),
  ])!;
  assert.equal(publishing.state, "publishing");
  assert.equal(
    entryText(publishing, "alice"),
    "bob approved #7 — publishing by vk-bot (attempt 1)",
  );
  const published = applyEvent(
    publishing,
    ev("published", {
      by: "vk-bot",
      attempt: 1,
      at: undo,
      url: "https://vk.com/wall-1_2?reply=3",
      platform_ref: "3",
    }),
  );
  assert.equal(published.kind, "set");
  if (published.kind === "set") {
    assert.equal(published.entry.state, "published");
    assert.equal(published.entry.url, "https://vk.com/wall-1_2?reply=3");
    assert.equal(undoable(published.entry, 0), false);
  }
});

Deno.test("a retryable failure is queued again with its reason; a final one is failed", () => {
  const base = [
    ev("approved", { by: "bob", at: "2026-12-05T10:00:00Z", undo_until: "2026-12-05T10:00:00Z" }),
  ];
  assert.equal(run(base)!.state, "queued", "no window: about to be queued");
  const retry = run([
    ...base,
    ev("publish_failed", {
      by: "m",
      attempt: 1,
      reason: "429 from VK",
      final: false,
      due_at: "2026-12-05T10:00:30Z",
    }),
  ])!;
  assert.equal(retry.state, "queued");
  assert.match(entryText(retry, null), /last try failed: 429 from VK/);
  const failed = run([
    ...base,
    ev("publish_failed", { attempt: 5, reason: "banned", final: true }),
  ])!;
  assert.equal(failed.state, "failed");
  assert.equal(entryText(failed, null), "bob approved #7 — publication failed (attempt 5): banned");
  assert.equal(
    run([
      ...base,
      ev("publish_failed", { reason: "x", final: true }),
      ev("queued", { attempt: 6 }),
    ])!.state,
    "queued",
  );
});

Deno.test("reopened removes the entry; a rejection keeps its reason and its window", () => {
  const at = "2026-12-05T10:00:00Z";
  assert.equal(
    run([
      ev("approved", { by: "a", at, undo_until: "2026-12-05T10:00:10Z" }),
      ev("reopened", { by: "a" }),
    ]),
    undefined,
  );
  const rejected = run([
    ev("rejected", { by: "a", at, reason: "spam", undo_until: "2026-12-05T10:00:10Z" }),
  ])!;
  assert.equal(rejected.state, "rejected");
  assert.equal(undoable(rejected, Date.parse(at)), true);
  assert.equal(entryText(rejected, "a"), "You rejected #7 — spam");
  assert.deepEqual(applyEvent(undefined, ev("reopened")), { kind: "none" });
  assert.deepEqual(applyEvent(undefined, ev("claimed")), { kind: "none" });
});

Deno.test("SNAPSHOT.in_flight items become entries; odd ones are skipped", () => {
  const held = entryFromInFlight({
    response_id: 3,
    status: "approved",
    decided_by: "bob",
    decided_at: "2026-12-05T10:00:00Z",
    undo_until: "2026-12-05T10:00:10Z",
    publication: null,
  })!;
  assert.equal(held.state, "held");
  assert.equal(held.undoUntil, Date.parse("2026-12-05T10:00:10Z"));
  const failed = entryFromInFlight({
    response_id: 4,
    status: "approved",
    decided_by: "bob",
    publication: { state: "failed", attempts: 5, last_error: "gone", url: null },
  })!;
  assert.equal(failed.state, "failed");
  assert.equal(failed.attempt, 5);
  assert.equal(failed.lastError, "gone");
  assert.equal(entryFromInFlight({ status: "approved" }), null);
  assert.equal(entryFromInFlight(null), null);
  assert.equal(entryFromInFlight({ response_id: 5, status: "rejected" })!.state, "rejected");
});

Deno.test("counters count what the server counts, go negative past the limit, and never cut", () => {
  assert.deepEqual(counterView("", 10), { left: 10, over: false, text: "10 characters left" });
  const over = counterView("x".repeat(5000), 4096);
  assert.equal(over.left, -904);
  assert.equal(over.over, true);
  assert.match(over.text, /^-904 — 904 characters over the limit of 4096/);
  // UTF-16 units, as the server's decoder measures a field: an emoji is two.
  assert.equal(counterView("😀", 2).left, 0);
  assert.equal(counterView("x".repeat(4096), 4096).over, false);
});

Deno.test("limits come from WELCOME, each falling back to the contract's default", () => {
  assert.deepEqual(limitsFromWelcome(null), DEFAULT_LIMITS);
  assert.deepEqual(
    limitsFromWelcome({ limits: { text: 100, reason: 10 }, sla_minutes: 0.5, undo_window_ms: 0 }),
    { text: 100, reason: 10, slaMinutes: 0.5, undoWindowMs: 0 },
  );
  assert.deepEqual(
    limitsFromWelcome({ limits: { text: -1, reason: "x" }, sla_minutes: NaN }),
    DEFAULT_LIMITS,
  );
});

Deno.test("ages read as people read them; overdue past the SLA", () => {
  assert.equal(ageText(30_000), "just now");
  assert.equal(ageText(4 * 60_000 + 59_000), "4 min");
  assert.equal(ageText(125 * 60_000), "2 h 5 min");
  assert.equal(ageText(27 * 3_600_000), "1 d 3 h");
  assert.equal(ageText(-5), "just now");
  const t = Date.parse("2026-12-05T10:00:00Z");
  assert.equal(isOverdue(t, t + 15 * 60_000, 15), false);
  assert.equal(isOverdue(t, t + 15 * 60_000 + 1, 15), true);
  assert.equal(createdAtOf("2026-12-05T10:00:00.000Z", ""), t);
  assert.equal(
    createdAtOf(
      undefined,
      '<time class="card-created" datetime="2026-12-05T10:00:00.000Z">x</time>',
    ),
    t,
  );
  assert.equal(createdAtOf(undefined, "<p>no time</p>"), null);
});

Deno.test("long texts collapse by characters or by lines", () => {
  assert.equal(isLong("short"), false);
  assert.equal(isLong("x".repeat(401)), true);
  assert.equal(isLong("a\nb\nc\nd\ne\nf"), false);
  assert.equal(isLong("a\nb\nc\nd\ne\nf\ng"), true);
});

Deno.test("the board says nothing to review only while connected with nothing pending", () => {
  const connected = { kind: "connected", clientId: "c", user: "a", role: "operator" } as const;
  const base = { snapshotSeen: true, pending: 0, ready: null };
  assert.equal(boardState({ ...base, connection: connected }).kind, "empty");
  assert.equal(boardState({ ...base, connection: connected, pending: 3 }).kind, "cards");
  assert.equal(boardState({ ...base, connection: connected, snapshotSeen: false }).kind, "loading");
  const reconnecting = {
    kind: "reconnecting",
    attempt: 1,
    retryAt: null,
    lastClose: { code: 1006, reason: "" },
  } as const;
  assert.equal(boardState({ ...base, connection: reconnecting }).kind, "offline");
  assert.equal(boardState({ ...base, connection: reconnecting, ready: false }).kind, "not-ready");
  assert.equal(
    boardState({
      ...base,
      connection: { kind: "closed", reason: { kind: "unauthorized", message: "" } },
    }).kind,
    "refused",
  );
  assert.equal(
    boardState({ ...base, connection: { kind: "closed", reason: { kind: "client" } } }).kind,
    "offline",
  );
  assert.equal(boardState({ ...base, connection: null }).kind, "no-token");
});

Deno.test("the History query carries reason words, a date range and the publication state", () => {
  const from = dayStart("2026-12-01", 0)!;
  const to = dayStart("2026-12-03", 1)!;
  assert.equal(new Date(from).getDate(), 1);
  assert.equal(Date.parse(to) - Date.parse(dayStart("2026-12-03", 0)!), 86_400_000);
  assert.equal(dayStart("", 0), null);
  assert.equal(dayStart("yesterday", 0), null);
  const query = historyQuery({
    status: "",
    platform: "",
    by: "",
    q: " spam ",
    from: "2026-12-01",
    to: "2026-12-03",
    publication: "failed",
  }, null);
  const params = historySearchParams(query);
  assert.equal(params.get("q"), "spam");
  assert.equal(params.get("from"), from);
  assert.equal(params.get("to"), to);
  assert.equal(params.get("publication"), "failed");
  assert.equal(
    historySearchParams(historyQuery({ status: "", platform: "", by: "", q: "" }, null)).has(
      "from",
    ),
    false,
  );
});
