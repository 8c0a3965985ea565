/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The operator page for a working day (issue 17, PROTOCOL.md §8) in real
 * headless Chromium against the real server, at desktop and phone widths:
 * counters that refuse instead of truncating (nothing sent), an admin's
 * Release seen on a third page, take-over from a second window, long texts
 * collapsed and expanded, oldest first and the toggle, overdue cards, the
 * honest offline / refused / empty states, History's request and its
 * proposed-vs-edited view, and a row inserted without SR that appears live,
 * once, on pages of two processes. Screenshots in test-artifacts/.
 */
import assert from "node:assert/strict";
import { mintToken } from "../_support/server.ts";
import { MARIADB, SQLITE } from "../integration/backends.ts";
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
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const WIDTHS = [["desktop", DESKTOP], ["phone", PHONE]] as const;

async function assertClean(pages: WatchedPage[]): Promise<void> {
  for (const p of pages) {
    assert.deepEqual(p.dialogs, [], "no dialog ever opens");
    assert.deepEqual(await p.cspViolations(), [], "no CSP violation");
    assert.deepEqual(p.errors, [], "no page error");
  }
}

async function connected(...pages: WatchedPage[]): Promise<void> {
  for (const { page } of pages) await page.locator('[data-connection-state="connected"]').waitFor();
}

async function shot(p: WatchedPage, name: string): Promise<void> {
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  await p.page.screenshot({ path: `${ARTIFACTS}${name}.png` });
}

for (const [label, viewport] of WIDTHS) {
  Deno.test({
    name:
      `${label}: 5000 pasted characters — the counter goes negative, approve refuses, nothing is sent`,
    ...opts,
  }, async () => {
    const hub = await startHub(SQLITE);
    const browser = await launch();
    try {
      const id = await hub.db.insertResponse({ response_text: "Short proposed reply." });
      const writer = connect(hub.server.wsUrl, { token: await mintToken("writer", "module") });
      await writer.submit(id);
      writer.close();
      const alice = await watchedPage(browser, viewport);
      await openOperatorPage(alice.page, hub.server.url, await mintToken("alice", "operator"));
      await connected(alice);
      const el = alice.page.locator(card(id));
      await el.locator('[data-action="edit"]').click();
      const area = el.locator('textarea[data-field="text"]');
      await area.waitFor();
      const long = "Долгий ответ. ".repeat(400).slice(0, 5000);
      await area.fill(long);
      const counter = el.locator('[data-counter="text"]');
      assert.equal(await counter.getAttribute("data-left"), String(4096 - 5000));
      assert.match(await counter.innerText(), /^-904 — 904 characters over the limit of 4096/);
      assert.equal((await area.inputValue()).length, 5000, "the page never truncates");
      const approve = el.locator('[data-action="approve"]');
      assert.equal(await approve.isDisabled(), true);
      assert.equal(await approve.getAttribute("data-refused"), "too-long");
      // Every way to approve is refused: the click, Ctrl+Enter in the editor, the key.
      await approve.click({ force: true });
      await area.press("Control+Enter");
      await el.focus();
      await alice.page.keyboard.press("a");
      // The reason past its limit refuses Reject the same way.
      const reason = el.locator('[data-field="reason"]');
      await reason.fill("r".repeat(1500));
      assert.equal(await el.locator('[data-counter="reason"]').getAttribute("data-left"), "-476");
      assert.equal(await el.locator('[data-action="reject"]').isDisabled(), true);
      await reason.press("Enter");
      await alice.page.waitForTimeout(700);
      const row = await hub.db.getResponse(id);
      assert.equal(row?.status, "pending", "nothing was sent");
      assert.equal(row?.response_text, "Short proposed reply.");
      // Editing claimed the card; no decision event was appended.
      assert.deepEqual((await hub.db.events()).map((e) => e.kind), ["pending", "claimed"]);
      await shot(alice, `workday-counter-over-limit-${label}`);
      // Back under the limit, approve is allowed again and the whole text is what is sent.
      await reason.fill("");
      const fits = long.slice(0, 4096);
      await area.fill(fits);
      assert.equal(await approve.isDisabled(), false);
      await approve.click();
      await el.waitFor({ state: "detached" });
      const approved = await hub.db.getResponse(id);
      assert.equal(approved?.response_text, fits, "the approved text is exactly what was typed");
      await assertClean([alice]);
    } finally {
      await browser.close();
      await hub.dispose();
    }
  });
}

Deno.test(
  { name: "an admin releases another's claim; the card frees on a third page", ...opts },
  async () => {
    const hub = await startHub(SQLITE);
    const browser = await launch();
    try {
      const id = await hub.db.insertResponse({ response_text: "A reply bob will abandon." });
      const writer = connect(hub.server.wsUrl, { token: await mintToken("writer", "module") });
      await writer.submit(id);
      writer.close();
      const [bob, root, carol] = [
        await watchedPage(browser),
        await watchedPage(browser),
        await watchedPage(browser, PHONE),
      ];
      await openOperatorPage(bob.page, hub.server.url, await mintToken("bob", "operator"));
      await openOperatorPage(root.page, hub.server.url, await mintToken("root", "admin"));
      await openOperatorPage(carol.page, hub.server.url, await mintToken("carol", "operator"));
      await connected(bob, root, carol);
      await bob.page.locator(`${card(id)} [data-action="edit"]`).click();
      await carol.page.locator(`${card(id)}[data-claimed-by="bob"]`).waitFor();
      assert.equal(
        await carol.page.locator(`${card(id)} [data-action="release"]`).isVisible(),
        false,
        "an operator gets no Release for another's claim",
      );
      const release = root.page.locator(`${card(id)} [data-action="release"]`);
      await release.waitFor({ state: "visible" });
      await release.click();
      await carol.page.locator(`${card(id)}:not([data-claimed-by])`).waitFor({ timeout: 5_000 });
      assert.equal(
        await carol.page.locator(`${card(id)} [data-action="approve"]`).isDisabled(),
        false,
      );
      await root.page.locator(`${card(id)}:not([data-claimed-by])`).waitFor();
      assert.match(await bob.page.locator(`${card(id)} .card-status`).innerText(), /root released/);
      await assertClean([bob, root, carol]);
    } finally {
      await browser.close();
      await hub.dispose();
    }
  },
);

Deno.test(
  { name: "the claim's own user takes it over from a second window", ...opts },
  async () => {
    const hub = await startHub(SQLITE);
    const browser = await launch();
    try {
      const id = await hub.db.insertResponse({ response_text: "Edit me somewhere else." });
      const writer = connect(hub.server.wsUrl, { token: await mintToken("writer", "module") });
      await writer.submit(id);
      writer.close();
      const token = await mintToken("bob", "operator");
      const [first, second] = [await watchedPage(browser), await watchedPage(browser, PHONE)];
      await openOperatorPage(first.page, hub.server.url, token);
      await openOperatorPage(second.page, hub.server.url, token);
      await connected(first, second);
      await first.page.locator(`${card(id)} [data-action="edit"]`).click();
      await first.page.locator(`${card(id)} textarea[data-field="text"]`).waitFor();
      const takeover = second.page.locator(`${card(id)} [data-action="takeover"]`);
      await takeover.waitFor({ state: "visible" });
      assert.match(
        await second.page.locator(`${card(id)} .card-claim-text`).innerText(),
        /another window/,
      );
      assert.equal(
        await second.page.locator(`${card(id)} [data-action="approve"]`).isDisabled(),
        false,
      );
      await takeover.click();
      const area = second.page.locator(`${card(id)} textarea[data-field="text"]`);
      await area.waitFor();
      await area.fill("Edited on the phone.");
      await second.page.locator(`${card(id)} [data-action="approve"]`).click();
      await first.page.locator(card(id)).waitFor({ state: "detached" });
      assert.equal((await hub.db.getResponse(id))?.response_text, "Edited on the phone.");
      await assertClean([first, second]);
    } finally {
      await browser.close();
      await hub.dispose();
    }
  },
);

for (const [label, viewport] of WIDTHS) {
  Deno.test({
    name: `${label}: oldest first with a toggle, ages, overdue marks, long texts collapsed`,
    ...opts,
  }, async () => {
    const hub = await startHub(SQLITE, { SLA_MINUTES: "1" });
    const browser = await launch();
    try {
      const now = Date.now();
      const old = await hub.db.insertResponse({
        created_at: new Date(now - 30 * 60_000),
        response_text: "Waiting for half an hour.",
      });
      const long = await hub.db.insertResponse({
        created_at: new Date(now - 20_000),
        post_text: "Q".repeat(900),
        response_text: `A long answer. ${"Every sentence matters here. ".repeat(72)}`.slice(
          0,
          2100,
        ),
      });
      const fresh = await hub.db.insertResponse({ created_at: new Date(now - 5_000) });
      const alice = await watchedPage(browser, viewport);
      await openOperatorPage(alice.page, hub.server.url, await mintToken("alice", "operator"));
      await connected(alice);
      await alice.page.locator(card(fresh)).waitFor();
      const order = () =>
        alice.page.$$eval(
          "[data-response-id]",
          (els) => els.map((e) => Number((e as HTMLElement).dataset.responseId)),
        );
      assert.deepEqual(await order(), [old, long, fresh], "oldest first");
      const created = await alice.page.locator(card(old)).getAttribute("data-created-at");
      assert.ok(created && Math.abs(Date.parse(created) - (now - 30 * 60_000)) < 2_000);
      assert.equal(await alice.page.locator(card(old)).getAttribute("data-overdue"), "true");
      assert.equal(await alice.page.locator(card(fresh)).getAttribute("data-overdue"), null);
      assert.match(
        await alice.page.locator(`${card(old)} .card-age`).innerText(),
        /30 min — overdue/,
      );
      assert.match(await alice.page.locator(`${card(fresh)} .card-age`).innerText(), /just now/);

      const reply = alice.page.locator(`${card(long)} .card-reply-text`);
      assert.equal(await reply.getAttribute("data-collapsed"), "true");
      const collapsedHeight = (await alice.page.locator(card(long)).boundingBox())!.height;
      assert.ok(
        collapsedHeight < viewport.height,
        `a collapsed card fits the screen (${collapsedHeight})`,
      );
      assert.equal((await reply.textContent())?.length, 2100, "nothing is cut from the text");
      await alice.page.locator(card(long)).scrollIntoViewIfNeeded();
      await shot(alice, `workday-collapsed-long-card-${label}`);
      const expand = alice.page.locator(`${card(long)} .card-reply [data-action="expand"]`);
      await expand.click();
      assert.equal(await reply.getAttribute("data-collapsed"), "false");
      assert.equal(await expand.getAttribute("aria-expanded"), "true");
      const expandedHeight = (await alice.page.locator(card(long)).boundingBox())!.height;
      assert.ok(expandedHeight > collapsedHeight + 100, `${expandedHeight} > ${collapsedHeight}`);
      await expand.click();

      await alice.page.locator("#order-toggle").click();
      assert.deepEqual(await order(), [fresh, long, old], "newest first after the toggle");
      assert.equal(await alice.page.locator("#order-toggle").getAttribute("data-order"), "newest");
      await alice.page.locator("#order-toggle").click();
      assert.deepEqual(await order(), [old, long, fresh]);
      await alice.page.evaluate(() => scrollTo(0, 0));
      await shot(alice, `workday-board-overdue-${label}`);
      await assertClean([alice]);
    } finally {
      await browser.close();
      await hub.dispose();
    }
  });
}

Deno.test(
  { name: "honest states: empty only while connected; offline; a refused token", ...opts },
  async () => {
    const hub = await startHub(SQLITE);
    const browser = await launch();
    try {
      const refused = await watchedPage(browser);
      await openOperatorPage(refused.page, hub.server.url, "not-a-token");
      await refused.page.locator('[data-board-state="refused"]').waitFor();
      assert.equal(await refused.page.locator("[data-empty]").count(), 0, "no 'nothing to review'");
      assert.match(await refused.page.locator("#board-state").innerText(), /refused your token/);

      const alice = await watchedPage(browser, PHONE);
      await openOperatorPage(alice.page, hub.server.url, await mintToken("alice", "operator"));
      await connected(alice);
      await alice.page.locator("[data-empty]").waitFor({ state: "visible" });
      await hub.server.kill();
      await alice.page.locator('[data-board-state="offline"]').waitFor({ timeout: 15_000 });
      assert.equal(await alice.page.locator("[data-empty]").count(), 0, "offline is not 'empty'");
      assert.match(await alice.page.locator("#board-state").innerText(), /Offline/);
      await shot(alice, "workday-offline-phone");
    } finally {
      await browser.close();
      await hub.dispose();
    }
  },
);

Deno.test({
  name: "History asks for reason words and a date range, and shows proposed beside edited",
  ...opts,
}, async () => {
  const hub = await startHub(SQLITE);
  const browser = await launch();
  try {
    for (const [label, viewport] of WIDTHS) {
      const alice = await watchedPage(browser, viewport);
      const asked: URL[] = [];
      // The page's part: what it asks and how it shows the answer (the server's v1.2
      // fields are answered here as the contract words them).
      await alice.page.route("**/api/history?*", async (route) => {
        const url = new URL(route.request().url());
        asked.push(url);
        await route.fulfill({
          contentType: "application/json",
          body: JSON.stringify({
            items: [{
              response_id: 41,
              platform: "vk",
              post_url: "https://vk.com/wall-1_41",
              post_text: "When do you open?",
              author: "Reader",
              response_text: "We open at nine, every day.",
              original_text: "We open at 9.",
              status: "approved",
              decided_by: "alice",
              decided_at: "2026-12-02T10:00:00.000Z",
              reason: null,
              created_at: "2026-12-02T09:55:00.000Z",
              publication: {
                state: "published",
                attempts: 1,
                published_at: "2026-12-02T10:00:12.000Z",
                url: "https://vk.com/wall-1_41?reply=7",
                platform_ref: "7",
                last_error: null,
              },
            }],
            next_cursor: null,
          }),
        });
      });
      await openOperatorPage(alice.page, hub.server.url, await mintToken("alice", "operator"));
      await connected(alice);
      await alice.page.locator("#tab-history").click();
      assert.equal(await alice.page.locator("#view-title").innerText(), "History");
      await alice.page.locator('[data-history-id="41"]').waitFor();
      await alice.page.locator('#history-form [name="from"]').fill("2026-12-01");
      await alice.page.locator('#history-form [name="to"]').fill("2026-12-03");
      await alice.page.locator("#history-q").fill("duplicate spam");
      await alice.page.locator("#history-q").press("Enter");
      await alice.page.waitForFunction(() =>
        document.querySelector("#history-status")?.textContent === "1 decision"
      );
      const last = asked.at(-1)!;
      assert.equal(last.searchParams.get("q"), "duplicate spam");
      const from = await alice.page.evaluate(() => new Date(2026, 11, 1).toISOString());
      const to = await alice.page.evaluate(() => new Date(2026, 11, 4).toISOString());
      assert.equal(last.searchParams.get("from"), from, "from: the first day's start, inclusive");
      assert.equal(last.searchParams.get("to"), to, "to: the day after the last, exclusive");
      const row = alice.page.locator('[data-history-id="41"]');
      assert.equal(await row.locator(".history-original").innerText(), "We open at 9.");
      assert.equal(await row.locator(".history-edited").innerText(), "We open at nine, every day.");
      assert.equal(
        await row.locator(".history-published-link").getAttribute("href"),
        "https://vk.com/wall-1_41?reply=7",
      );
      assert.match(await row.locator(".history-publication").innerText(), /published · 1 attempt/);
      await shot(alice, `workday-history-edited-${label}`);
      await assertClean([alice]);
      await alice.context.close();
    }
  } finally {
    await browser.close();
    await hub.dispose();
  }
});

Deno.test({
  name: "a row inserted without SR appears live within the scan period, once, on two processes",
  ...opts,
}, async () => {
  const SCAN_MS = 1_000;
  const hub = await startHub(MARIADB, { ANNOUNCE_SCAN_MS: String(SCAN_MS) });
  const browser = await launch();
  const clients: ReviewClient[] = [];
  const sibling = await hub.sibling();
  try {
    const [a, b] = [await watchedPage(browser), await watchedPage(browser, PHONE)];
    await openOperatorPage(a.page, hub.server.url, await mintToken("alice", "operator"));
    await openOperatorPage(b.page, sibling.url, await mintToken("bob", "operator"));
    await connected(a, b);
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await hub.db.insertResponse({ response_text: `Nobody announced me (${i}).` }));
    }
    const t0 = Date.now();
    for (const id of ids) {
      await a.page.locator(card(id)).waitFor({ timeout: 10_000 });
      await b.page.locator(card(id)).waitFor({ timeout: 10_000 });
    }
    const took = Date.now() - t0;
    assert.ok(
      took < SCAN_MS + 4_000,
      `appeared within the scan period and a generous margin (${took} ms)`,
    );
    // Two processes scanned the same rows: each got exactly one pending event.
    await new Promise((r) => setTimeout(r, 3 * SCAN_MS));
    const pending = (await hub.db.events()).filter((e) => e.kind === "pending");
    assert.deepEqual(pending.map((e) => e.response_id).sort((x, y) => x - y), ids);
    for (const p of [a, b]) {
      assert.equal(
        await p.page.locator("[data-response-id]").count(),
        ids.length,
        "each card once",
      );
    }
    // A module's SR afterwards is a duplicate, not a second card.
    const writer = connect(hub.server.wsUrl, { token: await mintToken("writer", "module") });
    clients.push(writer);
    const ack = await writer.submit(ids[0]!);
    assert.equal(ack.duplicate, true);
    await assertClean([a, b]);
  } finally {
    for (const c of clients) c.close();
    await browser.close();
    await sibling.stop();
    await hub.dispose();
  }
});

Deno.test({
  name: "the card being read stays put: new cards, decisions, and keys only on a card on screen",
  ...opts,
}, async () => {
  const hub = await startHub(SQLITE);
  const browser = await launch();
  const clients: ReviewClient[] = [];
  try {
    const writer = connect(hub.server.wsUrl, { token: await mintToken("writer", "module") });
    clients.push(writer);
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) {
      const id = await hub.db.insertResponse({
        created_at: new Date(Date.now() - (60 - i) * 60_000),
        response_text: `Reply ${i}`,
      });
      await writer.submit(id);
      ids.push(id);
    }
    const alice = await watchedPage(browser, PHONE);
    await openOperatorPage(alice.page, hub.server.url, await mintToken("alice", "operator"));
    await connected(alice);
    await alice.page.locator(card(ids[29]!)).waitFor({ state: "attached" });
    // Newest first, at the top of the page: new cards go in above the card being read.
    await alice.page.locator("#order-toggle").click();
    const reading = ids[29]!;
    await alice.page.evaluate((id) => {
      scrollTo(0, 0);
      document.querySelector<HTMLElement>(`[data-response-id="${id}"]`)!.focus();
    }, reading);
    const top = () =>
      alice.page.evaluate(
        (id) => document.querySelector(`[data-response-id="${id}"]`)!.getBoundingClientRect().top,
        reading,
      );
    const before = await top();
    const fresh: number[] = [];
    for (let i = 0; i < 20; i++) {
      fresh.push(await hub.db.insertResponse({ response_text: `New ${i}` }));
    }
    await Promise.all(fresh.map((id) => writer.submit(id)));
    await alice.page.locator(card(fresh.at(-1)!)).waitFor({ state: "attached" });
    await alice.page.waitForTimeout(200);
    assert.ok(
      Math.abs((await top()) - before) < 2,
      `the focused card stayed (${before} → ${await top()})`,
    );
    assert.equal(
      await alice.page.evaluate(() => (document.activeElement as HTMLElement).dataset.responseId),
      String(reading),
    );
    // A decision from the keyboard: the next card takes the decided one's place.
    await alice.page.keyboard.press("a");
    await alice.page.locator(card(reading)).waitFor({ state: "detached" });
    const next = await alice.page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      return { id: Number(el.dataset.responseId), top: el.getBoundingClientRect().top };
    });
    assert.equal(next.id, ids[28], "the next card in the list has the focus");
    assert.ok(Math.abs(next.top - before) < 2, `no scroll jump (${before} → ${next.top})`);
    // Scrolled away from the focused card, `a` does not decide it: it brings it back into view.
    await alice.page.evaluate(() => scrollTo(0, document.body.scrollHeight));
    // The key goes in once the card is really off screen (on a loaded machine
    // the scroll can land a few frames late).
    await alice.page.waitForFunction((id) => {
      const r = document.querySelector(`[data-response-id="${id}"]`)!.getBoundingClientRect();
      return r.bottom <= 0 || r.top >= innerHeight;
    }, ids[28]);
    await alice.page.keyboard.press("a");
    await alice.page.waitForTimeout(700);
    assert.equal(
      (await hub.db.getResponse(ids[28]!))?.status,
      "pending",
      "nothing decided off screen",
    );
    const back = await alice.page.evaluate((id) => {
      const r = document.querySelector(`[data-response-id="${id}"]`)!.getBoundingClientRect();
      return r.bottom > 0 && r.top < innerHeight;
    }, ids[28]);
    assert.equal(back, true, "the card came back into view");
    await alice.page.keyboard.press("a");
    await alice.page.locator(card(ids[28]!)).waitFor({ state: "detached" });
    await assertClean([alice]);
  } finally {
    for (const c of clients) c.close();
    await browser.close();
    await hub.dispose();
  }
});
