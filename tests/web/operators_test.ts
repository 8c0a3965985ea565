/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The operator page in real headless Chromium against the real server: two
 * operators in two browsers, cards live in both, approve (with an edited
 * reply) and reject, a failure shown on its card, hostile text kept as text,
 * no dialog, no CSP violation, and a screenshot at laptop and phone widths.
 */
import assert from "node:assert/strict";
import { mintToken } from "../_support/server.ts";
import { SQLITE } from "../integration/backends.ts";
import { connect, type ReviewClient } from "../../web/sdk/mod.ts";
import { startHub } from "../sdk/_live.ts";
import { ARTIFACTS, card, launch, openOperatorPage, watchedPage } from "./_browser.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

const HOSTILE_POST = `<script>alert("post")</script><img src=x onerror="alert('img')">`;
const HOSTILE_AUTHOR = `<b onmouseover="alert('author')">mallory</b>`;
const HOSTILE_REPLY = `<script>alert("reply")</script><svg onload="alert('svg')"></svg> thanks`;

Deno.test({ name: "two operators review in two browsers", ...opts }, async () => {
  const hub = await startHub(SQLITE);
  const browser = await launch();
  const clients: ReviewClient[] = [];
  try {
    const base = hub.server.url;
    const [alice, bob] = [await watchedPage(browser), await watchedPage(browser)];
    await openOperatorPage(alice.page, base, await mintToken("alice", "operator"));
    await openOperatorPage(bob.page, base, await mintToken("bob", "operator"));
    for (const { page } of [alice, bob]) {
      await page.locator('[data-connection-state="connected"]').waitFor();
      assert.doesNotMatch(page.url(), /token/, "the token left the address bar");
      const kept = await page.evaluate(() => sessionStorage.getItem("review-hub.token"));
      assert.ok(kept && kept.split(".").length === 3, "the token is kept for the tab");
    }
    const writer = connect(hub.server.wsUrl, { token: await mintToken("writer", "module") });
    clients.push(writer);

    // SR → the card appears in both pages; hostile text stays text.
    const hostile = await hub.db.insertResponse({
      post_text: HOSTILE_POST,
      author: HOSTILE_AUTHOR,
      response_text: HOSTILE_REPLY,
    });
    await writer.submit(hostile);
    for (const { page } of [alice, bob]) {
      const el = page.locator(card(hostile));
      await el.waitFor();
      const text = await el.locator(".card-content").innerText();
      assert.ok(text.includes(HOSTILE_POST), `post shown as text: ${text}`);
      assert.ok(text.includes("mallory") && text.includes("<b onmouseover"), "author as text");
      assert.ok(text.includes(HOSTILE_REPLY), "reply shown as text");
      assert.equal(await el.locator("script, img, svg, b").count(), 0, "no element from the data");
    }

    // Alice edits the reply and approves: the card leaves both pages; the database says who.
    const aliceCard = alice.page.locator(card(hostile));
    await aliceCard.locator('[data-action="edit"]').click();
    const editor = aliceCard.locator("textarea");
    assert.equal(
      await editor.inputValue(),
      HOSTILE_REPLY,
      "the editor starts from the proposed reply",
    );
    await editor.fill("Thank you! <i>edited</i>");
    await aliceCard.locator('[data-action="approve"]').click();
    for (const { page } of [alice, bob]) {
      await page.locator(card(hostile)).waitFor({ state: "detached" });
    }
    const approved = await hub.db.getResponse(hostile);
    assert.equal(approved?.status, "approved");
    assert.equal(approved?.decided_by, "alice");
    assert.equal(approved?.response_text, "Thank you! <i>edited</i>");
    const bobNote = bob.page.locator(`[data-decided-id="${hostile}"]`);
    assert.match(await bobNote.innerText(), /alice approved #/);
    const aliceNote = alice.page.locator(`[data-decided-id="${hostile}"]`);
    assert.match(await aliceNote.innerText(), /You approved #/);

    // Bob rejects with a reason, from the keyboard: type it and press Enter.
    const second = await hub.db.insertResponse({ response_text: "second reply" });
    await writer.submit(second);
    await alice.page.locator(card(second)).waitFor();
    const reason = bob.page.locator(`${card(second)} .card-reason`);
    await reason.focus();
    await bob.page.keyboard.type("off-topic");
    await bob.page.keyboard.press("Enter");
    for (const { page } of [alice, bob]) {
      await page.locator(card(second)).waitFor({ state: "detached" });
    }
    const rejected = await hub.db.getResponse(second);
    assert.equal(rejected?.status, "rejected");
    assert.equal(rejected?.decided_by, "bob");
    assert.equal(rejected?.reason, "off-topic");
    assert.match(
      await alice.page.locator(`[data-decided-id="${second}"]`).innerText(),
      /bob rejected #\d+ — off-topic/,
    );

    // A card whose approval fails says why and stays (decided behind the server's back).
    const third = await hub.db.insertResponse({ response_text: "third reply" });
    await writer.submit(third);
    const thirdCard = alice.page.locator(card(third));
    await thirdCard.waitFor();
    await hub.db.exec(
      "UPDATE responses SET status = 'approved', decided_by = 'carol' WHERE id = ?",
      [third],
    );
    await thirdCard.locator('[data-action="approve"]').click();
    await alice.page.locator(`${card(third)}[data-status="failed"]`).waitFor();
    assert.match(await thirdCard.locator(".card-status").innerText(), /Not approved: .*carol/);
    assert.equal(await thirdCard.count(), 1, "the failed card stays");
    // From the keyboard the next card is focused at once; a refusal brings the card back, focused.
    await thirdCard.evaluate((el: HTMLElement) => el.focus());
    await alice.page.keyboard.press("a");
    await alice.page.waitForFunction(
      (id) => {
        const el = document.querySelector<HTMLElement>(`[data-response-id="${id}"]`);
        return !!el && !el.hidden && !el.dataset.deciding && document.activeElement === el &&
          el.dataset.status === "failed";
      },
      third,
    );
    assert.match(await thirdCard.locator(".card-status").innerText(), /Not approved: .*carol/);

    // A few cards for the screenshots, at laptop and phone widths.
    for (let i = 0; i < 3; i++) {
      await writer.submit(
        await hub.db.insertResponse({
          platform: i % 2 ? "telegram" : "vk",
          post_url: i % 2 ? `https://t.me/channel/${100 + i}` : `https://vk.com/wall-1_${100 + i}`,
          post_text: `A post about the product, number ${i}.\nSecond line.`,
          author: `Reader ${i}`,
          response_text: `Thank you for the question ${i}! Here is the answer.`,
        }),
      );
    }
    await alice.page.locator("[data-response-id]").nth(3).waitFor();
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    await alice.page.screenshot({ path: `${ARTIFACTS}operator-page.png`, fullPage: true });
    await alice.page.setViewportSize({ width: 390, height: 844 });
    const overflow = await alice.page.evaluate(() =>
      document.documentElement.scrollWidth - document.documentElement.clientWidth
    );
    assert.equal(overflow, 0, "nothing wider than a phone screen");
    await alice.page.screenshot({ path: `${ARTIFACTS}operator-page-phone.png` });

    for (const p of [alice, bob]) {
      assert.deepEqual(p.dialogs, [], "no dialog ever opens");
      assert.deepEqual(await p.cspViolations(), [], "no CSP violation");
      assert.deepEqual(p.errors, [], "no page error");
    }
  } finally {
    clients.forEach((c) => c.close());
    await browser.close();
    await hub.dispose();
  }
});

Deno.test(
  { name: "a missing or refused token says so, and the page is offline", ...opts },
  async () => {
    const hub = await startHub(SQLITE);
    const browser = await launch();
    try {
      const none = await watchedPage(browser);
      await none.page.goto(`${hub.server.url}/`);
      await none.page.locator('[data-connection-state="offline"]').waitFor();
      assert.match(await none.page.locator("#message").innerText(), /No operator token/);

      const refused = await watchedPage(browser);
      const expired = await mintToken("alice", "operator", { ttlSeconds: -60 });
      await openOperatorPage(refused.page, hub.server.url, expired);
      await refused.page.locator('[data-connection-state="offline"]').waitFor();
      assert.match(await refused.page.locator("#message").innerText(), /refused your token/);
      const kept = await refused.page.evaluate(() => sessionStorage.getItem("review-hub.token"));
      assert.equal(kept, null, "a refused token is forgotten");
      for (const p of [none, refused]) {
        assert.deepEqual(p.dialogs, []);
        assert.deepEqual(await p.cspViolations(), []);
      }
    } finally {
      await browser.close();
      await hub.dispose();
    }
  },
);
