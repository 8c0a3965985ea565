/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The page's other pure parts: the presence strip's chips, the pending
 * filter and the tab title, the History query and its lines, and when a
 * desktop notification is due.
 */
import assert from "node:assert/strict";
import { cardShown, matchesFilter, SHOW_ALL, shownText, titleFor } from "../../web/page/filters.ts";
import {
  ANY_DECISION,
  decisionLine,
  formatWhen,
  HISTORY_PAGE_SIZE,
  historyQuery,
  historySearchParams,
  safeHref,
} from "../../web/page/history.ts";
import type { HistoryItem } from "../../src/protocol/http_bodies.ts";
import { Notifier, NOTIFY_KEY, type NotifyEnv, shouldNotify } from "../../web/page/notify.ts";
import { presenceChips } from "../../web/page/presence.ts";

Deno.test("presence: one chip per person with a count, this page's user first", () => {
  const chips = presenceChips([
    { user: "carol", connections: 1, since: "2026-12-01T10:00:00Z" },
    { user: "alice", connections: 3, since: "2026-12-01T09:00:00Z" },
    { user: "bob", connections: 2, since: "2026-12-01T11:00:00Z" },
    { nobody: true },
    null,
    { user: "dave", connections: "many" },
  ], "bob");
  assert.deepEqual(chips.map((c) => c.label), [
    "bob (you) ×2",
    "alice ×3",
    "carol",
    "dave",
  ]);
  assert.deepEqual(chips.map((c) => c.connections), [2, 3, 1, 1]);
  assert.equal(chips[0]!.me, true);
  assert.deepEqual(presenceChips([], "bob"), []);
});

Deno.test("the pending filter: platform and every word, case-insensitive", () => {
  const text = "Author: Mallory. Thank you for the QUESTION";
  assert.equal(matchesFilter("vk", text, { platform: "", text: "" }), true);
  assert.equal(matchesFilter("vk", text, { platform: "vk", text: "" }), true);
  assert.equal(matchesFilter("vk", text, { platform: "telegram", text: "" }), false);
  assert.equal(matchesFilter("vk", text, { platform: "", text: "question mallory" }), true);
  assert.equal(matchesFilter("vk", text, { platform: "", text: "question bob" }), false);
  assert.equal(matchesFilter("telegram", text, { platform: "vk", text: "question" }), false);
});

Deno.test("a card shows when its platform and shown text pass the filter, never while decided ahead", () => {
  // The parts of a card element the filter reads: its dataset and its `.card-content`.
  const card = (platform: string, content: string, deciding = false) =>
    ({
      dataset: deciding ? { platform, deciding: "true" } : { platform },
      querySelector: (sel: string) => sel === ".card-content" ? { textContent: content } : null,
    }) as unknown as HTMLElement;
  const vk = card("vk", "Author: Mallory. Thank you for the QUESTION");
  assert.equal(cardShown(vk, SHOW_ALL), true);
  assert.equal(cardShown(vk, { platform: "vk", text: "mallory" }), true);
  assert.equal(cardShown(vk, { platform: "telegram", text: "" }), false);
  assert.equal(cardShown(vk, { platform: "", text: "bob" }), false);
  assert.equal(cardShown(card("vk", "anything", true), SHOW_ALL), false);
  assert.equal(cardShown(card("vk", "anything", true), { platform: "vk", text: "" }), false);
});

Deno.test("the tab title carries the pending count; the shown line only when filtered", () => {
  assert.equal(titleFor(0), "Review hub");
  assert.equal(titleFor(3), "(3) Review hub");
  assert.equal(shownText(5, 5), "");
  assert.equal(shownText(2, 5), "2 of 5 shown");
});

Deno.test("the history query leaves blank fields out and pages by cursor", () => {
  assert.deepEqual(historyQuery(ANY_DECISION, null), { limit: HISTORY_PAGE_SIZE });
  const query = historyQuery(
    { status: "approved", platform: "vk", by: " bob ", q: "  refund  " },
    "c42",
  );
  assert.deepEqual(query, {
    status: "approved",
    platform: "vk",
    by: "bob",
    q: "refund",
    limit: HISTORY_PAGE_SIZE,
    cursor: "c42",
  });
  assert.equal(
    historySearchParams(query).toString(),
    `status=approved&platform=vk&by=bob&q=refund&limit=${HISTORY_PAGE_SIZE}&cursor=c42`,
  );
  assert.equal(historySearchParams({ q: "a&b=c" }).toString(), "q=a%26b%3Dc");
});

Deno.test("a history line says what, by whom and when; only http(s) posts are links", () => {
  const item: HistoryItem = {
    response_id: 9,
    platform: "vk",
    post_url: "https://vk.com/wall-1_2",
    post_text: "post",
    author: "a",
    response_text: "edited reply",
    status: "approved",
    decided_by: "bob",
    decided_at: "2026-12-01T12:34:56.000Z",
    reason: null,
    created_at: "2026-12-01T12:00:00.000Z",
    original_text: null,
    publication: null,
  };
  const line = decisionLine(item);
  assert.match(line, /^Approved by bob · \d{4}-\d\d-\d\d \d\d:\d\d$/);
  assert.match(decisionLine({ ...item, status: "rejected", decided_by: null }), /^Rejected · /);
  assert.equal(formatWhen(null), "");
  assert.equal(formatWhen("garbage"), "garbage");
  assert.equal(
    formatWhen("2026-12-01 12:34:56.000"),
    formatWhen("2026-12-01T12:34:56.000Z"),
    "the database's UTC text reads as UTC",
  );
  assert.equal(safeHref("https://t.me/channel/5"), "https://t.me/channel/5");
  assert.equal(safeHref("javascript:alert(1)"), null);
  assert.equal(safeHref("data:text/html,<b>"), null);
  assert.equal(safeHref("not a url"), null);
});

function fakeNotifyEnv(permission: NotificationPermission, hidden: boolean, grant = true) {
  const store = new Map<string, string>();
  const shown: string[] = [];
  let current: NotificationPermission = permission;
  const env: NotifyEnv = {
    permission: () => current,
    request: () => Promise.resolve(current = grant ? "granted" : "denied"),
    show: (title, body, tag) => void shown.push(`${tag}|${title}|${body}`),
    hidden: () => hidden,
    storage: {
      getItem: (k) => store.get(k) ?? null,
      setItem: (k, v) => void store.set(k, v),
      removeItem: (k) => void store.delete(k),
    },
  };
  return { env, store, shown };
}

Deno.test("a notification only when opted in, allowed and the tab is hidden", async () => {
  assert.equal(shouldNotify(true, "granted", true), true);
  assert.equal(shouldNotify(false, "granted", true), false);
  assert.equal(shouldNotify(true, "default", true), false);
  assert.equal(shouldNotify(true, "granted", false), false);
  assert.equal(shouldNotify(true, "unsupported", true), false);

  const hidden = fakeNotifyEnv("default", true);
  const notifier = new Notifier(hidden.env);
  notifier.arrived(1, "vk", "https://vk.com/wall-1_1");
  assert.deepEqual(hidden.shown, [], "not before opting in");
  assert.equal(await notifier.set(true), true, "the browser granted it");
  assert.equal(hidden.store.get(NOTIFY_KEY), "on");
  notifier.arrived(2, "vk", "https://vk.com/wall-1_2");
  assert.deepEqual(hidden.shown, ["reply-2|New reply to review (#2)|vk: https://vk.com/wall-1_2"]);
  assert.equal(await notifier.set(false), false);
  notifier.arrived(3, "vk", "u");
  assert.equal(hidden.shown.length, 1, "off again");

  const denied = fakeNotifyEnv("default", true, false);
  assert.equal(await new Notifier(denied.env).set(true), false, "a refusal leaves it off");
  assert.equal(denied.store.has(NOTIFY_KEY), false);

  const visible = fakeNotifyEnv("granted", false);
  const onScreen = new Notifier(visible.env);
  await onScreen.set(true);
  onScreen.arrived(4, "telegram", "https://t.me/c/4");
  assert.deepEqual(visible.shown, [], "not while the tab is on screen");
});
