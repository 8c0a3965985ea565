/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * A day of reviewing in real headless Chromium against the real server:
 * approving from the keyboard with visible focus, the keys' help, the
 * platform filter and the pending count in the tab title, the opt-in desktop
 * notification while the tab is hidden, and the History view with its
 * filters, search and paging (the edited text included). Screenshots of the
 * board and the History at laptop and phone widths.
 */
import assert from "node:assert/strict";
import { mintToken } from "../_support/server.ts";
import { SQLITE } from "../integration/backends.ts";
import { connect, type ReviewClient } from "../../web/sdk/mod.ts";
import { startHub } from "../sdk/_live.ts";
import {
  ARTIFACTS,
  card,
  launch,
  openOperatorPage,
  type WatchedPage,
  watchedPage,
} from "./_browser.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const PHONE = { width: 390, height: 844 };
const FRUIT = ["apples", "pears", "plums", "figs"];

async function assertClean(pages: WatchedPage[]): Promise<void> {
  for (const p of pages) {
    assert.deepEqual(p.dialogs, [], "no dialog ever opens");
    assert.deepEqual(await p.cspViolations(), [], "no CSP violation");
    assert.deepEqual(p.errors, [], "no page error");
  }
}

async function noOverflow(p: WatchedPage): Promise<void> {
  const overflow = await p.page.evaluate(() =>
    document.documentElement.scrollWidth - document.documentElement.clientWidth
  );
  assert.equal(overflow, 0, "nothing wider than a phone screen");
}

Deno.test({ name: "keyboard, filter, title and notification on the board", ...opts }, async () => {
  const hub = await startHub(SQLITE);
  const browser = await launch();
  const clients: ReviewClient[] = [];
  try {
    const alice = await watchedPage(browser);
    // The tab is hidden and notifications are allowed: a stand-in records what would show.
    await alice.page.addInitScript(() => {
      const w = window as unknown as { __notes: string[]; __hidden: boolean };
      w.__notes = [];
      w.__hidden = false;
      class FakeNotification {
        static permission = "default";
        static requestPermission() {
          FakeNotification.permission = "granted";
          return Promise.resolve("granted");
        }
        onclick: (() => void) | null = null;
        constructor(title: string, o: { body: string }) {
          w.__notes.push(`${title} | ${o.body}`);
        }
        close() {}
      }
      Object.defineProperty(window, "Notification", { value: FakeNotification });
      Object.defineProperty(document, "visibilityState", {
        get: () => w.__hidden ? "hidden" : "visible",
      });
    });
    await openOperatorPage(alice.page, hub.server.url, await mintToken("alice", "operator"));
    await alice.page.locator('[data-connection-state="connected"]').waitFor();
    const writer = connect(hub.server.wsUrl, { token: await mintToken("writer", "module") });
    clients.push(writer);
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) {
      const id = await hub.db.insertResponse({
        platform: i % 2 ? "telegram" : "vk",
        post_url: i % 2 ? `https://t.me/shop/${200 + i}` : `https://vk.com/wall-7_${200 + i}`,
        post_text: `Are the ${FRUIT[i]} back in stock?\nI would like two boxes.`,
        author: `Buyer ${i}`,
        response_text: `Yes, the ${FRUIT[i]} are back. We keep them for you until Friday.`,
      });
      await writer.submit(id);
      ids.push(id);
    }
    await alice.page.locator(card(ids[3]!)).waitFor();
    assert.equal(await alice.page.title(), "(4) Review hub");

    // The platform filter hides the other platform's cards; the count in the title stays.
    await alice.page.locator("#filter-platform").selectOption("telegram");
    assert.equal(await alice.page.locator("[data-response-id]:visible").count(), 2);
    assert.equal(await alice.page.locator(`${card(ids[0]!)}`).isHidden(), true);
    assert.equal(await alice.page.locator("#filter-shown").innerText(), "2 of 4 shown");
    await alice.page.locator("#filter-platform").selectOption("");
    assert.equal(await alice.page.locator("[data-response-id]:visible").count(), 4);

    // `/` goes to the search field; words filter the cards.
    await alice.page.locator("body").click({ position: { x: 5, y: 300 } });
    await alice.page.keyboard.press("/");
    assert.equal(await alice.page.evaluate(() => document.activeElement?.id), "filter-text");
    await alice.page.keyboard.type("PLUMS boxes");
    assert.equal(await alice.page.locator("[data-response-id]:visible").count(), 1);
    await alice.page.locator("#filter-text").fill("");

    // `?` opens the keys (an element of the page, not a browser dialog); Escape closes it.
    await alice.page.locator("#cards").focus();
    await alice.page.keyboard.press("?");
    await alice.page.locator("#help[open]").waitFor();
    assert.match(await alice.page.locator("#help").innerText(), /approve the focused card/);
    await alice.page.screenshot({ path: `${ARTIFACTS}help.png` });
    await alice.page.keyboard.press("Escape");
    await alice.page.locator("#help:not([open])").waitFor({ state: "attached" });

    // j moves to the first card (the oldest), j again to the next; the focus ring is visible; a approves.
    await alice.page.locator("#cards").focus();
    await alice.page.keyboard.press("j");
    await alice.page.keyboard.press("j");
    const focused = await alice.page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const style = getComputedStyle(el);
      return { id: el.dataset.responseId, outline: style.outlineStyle, width: style.outlineWidth };
    });
    assert.equal(focused.id, String(ids[1]), "the second card from the top has the focus");
    assert.equal(focused.outline, "solid", "the focus is visible");
    assert.notEqual(focused.width, "0px");
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    await alice.page.evaluate(() => scrollTo(0, 0));
    await alice.page.screenshot({ path: `${ARTIFACTS}board.png` });
    await alice.page.keyboard.press("k");
    await alice.page.keyboard.press("j");
    await alice.page.keyboard.press("a");
    await alice.page.locator(card(ids[1]!)).waitFor({ state: "detached" });
    const row = await hub.db.getResponse(ids[1]!);
    assert.equal(row?.status, "approved");
    assert.equal(row?.decided_by, "alice");
    assert.equal(await alice.page.title(), "(3) Review hub");
    const after = await alice.page.evaluate(() =>
      (document.activeElement as HTMLElement).dataset.responseId ?? null
    );
    assert.ok(after !== null, "the focus moved on to a neighbouring card");

    // r rejects the focused card with the reason typed in it.
    await alice.page.locator(`${card(ids[2]!)} .card-reason`).fill("not our shop");
    await alice.page.locator(card(ids[2]!)).focus();
    await alice.page.keyboard.press("r");
    await alice.page.locator(card(ids[2]!)).waitFor({ state: "detached" });
    assert.equal((await hub.db.getResponse(ids[2]!))?.reason, "not our shop");

    // Notifications: opted in, the tab hidden → a reply that arrives is announced once.
    await alice.page.locator("#notify").click();
    await alice.page.locator('#notify[aria-pressed="true"]').waitFor();
    await alice.page.evaluate(() => (window as unknown as { __hidden: boolean }).__hidden = true);
    const late = await hub.db.insertResponse({ post_url: "https://vk.com/wall-7_999" });
    await writer.submit(late);
    await alice.page.locator(card(late)).waitFor();
    const notes = await alice.page.evaluate(() =>
      (window as unknown as { __notes: string[] }).__notes
    );
    assert.deepEqual(notes, [`New reply to review (#${late}) | vk: https://vk.com/wall-7_999`]);
    await alice.page.evaluate(() => (window as unknown as { __hidden: boolean }).__hidden = false);
    const seen = await hub.db.insertResponse({});
    await writer.submit(seen);
    await alice.page.locator(card(seen)).waitFor();
    assert.equal(
      (await alice.page.evaluate(() => (window as unknown as { __notes: string[] }).__notes))
        .length,
      1,
      "no notification while the tab is on screen",
    );

    await alice.page.setViewportSize(PHONE);
    await noOverflow(alice);
    await alice.page.screenshot({ path: `${ARTIFACTS}board-phone.png` });
    await assertClean([alice]);
  } finally {
    clients.forEach((c) => c.close());
    await browser.close();
    await hub.dispose();
  }
});

Deno.test({ name: "the History view: filters, search, paging, edited text", ...opts }, async () => {
  const hub = await startHub(SQLITE);
  const browser = await launch();
  const clients: ReviewClient[] = [];
  try {
    const writer = connect(hub.server.wsUrl, { token: await mintToken("writer", "module") });
    const bobSdk = connect(hub.server.wsUrl, { token: await mintToken("bob", "operator") });
    const carolSdk = connect(hub.server.wsUrl, { token: await mintToken("carol", "operator") });
    clients.push(writer, bobSdk, carolSdk);
    // 30 decided replies: enough for a second page of 25.
    const decided: number[] = [];
    for (let i = 0; i < 30; i++) {
      const id = await hub.db.insertResponse({
        platform: i % 3 === 0 ? "telegram" : "vk",
        post_url: i % 3 === 0 ? `https://t.me/shop/${i}` : `https://vk.com/wall-7_${i}`,
        post_text: i === 7 ? "Do you deliver to Narnia?" : `Question ${i}`,
        author: `Buyer ${i}`,
        response_text: `Proposed answer ${i}`,
      });
      await writer.submit(id);
      if (i === 7) await bobSdk.approve(id, "We deliver to Narnia <i>on Tuesdays</i>.");
      else if (i % 4 === 0) await carolSdk.reject(id, `off-topic ${i}`);
      else await (i % 2 ? bobSdk : carolSdk).approve(id);
      decided.push(id);
    }
    const alice = await watchedPage(browser);
    await openOperatorPage(alice.page, hub.server.url, await mintToken("alice", "operator"));
    await alice.page.locator('[data-connection-state="connected"]').waitFor();
    await alice.page.locator("#tab-history").click();
    const rows = alice.page.locator("#history-list [data-history-id]");
    await rows.nth(24).waitFor();
    assert.equal(await rows.count(), 25, "the first page");
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    await alice.page.screenshot({ path: `${ARTIFACTS}history.png` });
    assert.equal(
      await rows.first().getAttribute("data-history-id"),
      String(decided[29]),
      "newest first",
    );
    await alice.page.locator("#history-more").click();
    await rows.nth(29).waitFor();
    assert.equal(await alice.page.locator("#history-more").isHidden(), true, "no third page");
    assert.equal(await rows.last().getAttribute("data-history-id"), String(decided[0]));

    // Search (from the keyboard: `/` goes to the History's search field).
    await alice.page.locator("#history-list").click({ position: { x: 2, y: 2 } });
    await alice.page.keyboard.press("/");
    assert.equal(await alice.page.evaluate(() => document.activeElement?.id), "history-q");
    await alice.page.keyboard.type("NARNIA");
    await alice.page.keyboard.press("Enter");
    await alice.page.locator(`#history-list [data-history-id="${decided[7]}"]:only-child`)
      .waitFor();
    const found = alice.page.locator(`[data-history-id="${decided[7]}"]`);
    const text = await found.innerText();
    assert.match(text, /Approved by bob · \d{4}-\d\d-\d\d \d\d:\d\d/);
    assert.ok(
      text.includes("We deliver to Narnia <i>on Tuesdays</i>."),
      "the edited text, as text",
    );
    assert.equal(await found.locator("i").count(), 0);

    // Filters: rejected only, by carol.
    await alice.page.locator("#history-q").fill("");
    await alice.page.locator('#history-form [name="by"]').fill("carol");
    await alice.page.locator('#history-form [name="status"]').selectOption("rejected");
    await alice.page.locator(`#history-list [data-status="rejected"]`).first().waitFor();
    await alice.page.waitForFunction(() =>
      [...document.querySelectorAll("#history-list [data-history-id]")].every((el) =>
        (el as HTMLElement).dataset.status === "rejected" &&
        (el as HTMLElement).dataset.decidedBy === "carol"
      )
    );
    const rejectedCount = decided.filter((_, i) => i !== 7 && i % 4 === 0).length;
    await alice.page.waitForFunction(
      (n) => document.querySelectorAll("#history-list [data-history-id]").length === n,
      rejectedCount,
    );
    assert.match(await rows.first().innerText(), /Reason: off-topic/);
    await alice.page.locator('#history-form [name="platform"]').selectOption("telegram");
    await alice.page.waitForFunction(() =>
      [...document.querySelectorAll("#history-list [data-history-id]")].every((el) =>
        el.querySelector(".card-platform")?.textContent === "telegram"
      ) && document.querySelector("#history-status")?.textContent !== "Loading…"
    );
    const telegramRejected = decided.filter((_, i) => i !== 7 && i % 4 === 0 && i % 3 === 0);
    assert.equal(await rows.count(), telegramRejected.length);

    await alice.page.locator('#history-form [name="by"]').fill("");
    await alice.page.locator('#history-form [name="platform"]').selectOption("");
    await alice.page.locator('#history-form [name="status"]').selectOption("");
    await rows.nth(24).waitFor();
    await alice.page.setViewportSize(PHONE);
    await noOverflow(alice);
    await alice.page.screenshot({ path: `${ARTIFACTS}history-phone.png` });
    await assertClean([alice]);
  } finally {
    clients.forEach((c) => c.close());
    await browser.close();
    await hub.dispose();
  }
});
