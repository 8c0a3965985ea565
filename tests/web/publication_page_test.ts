/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The page's part of the publication pipeline (issue 14 item 4, PROTOCOL.md
 * §3.4 and §8) in real headless Chromium against the real server: Undo within
 * the window brings the card back on every page; an approval walks held →
 * queued → publishing → published with its link on a second page too, the
 * module side driven by a raw WebSocket module client sending TAKE and
 * PUBLISHED; a final failure shows its reason, an admin's Retry queues it
 * again, and an operator gets no Retry. Screenshots of the recent-decisions list.
 */
import assert from "node:assert/strict";
import { mintToken } from "../_support/server.ts";
import { TestClient } from "../_support/ws_client.ts";
import { SQLITE } from "../integration/backends.ts";
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

const decided = (id: number, state?: string) =>
  `[data-decided-id="${id}"]${state ? `[data-publication-state="${state}"]` : ""}`;

/** A module connected over a raw WebSocket, announcing rows and taking jobs. */
async function moduleClient(wsUrl: string): Promise<TestClient> {
  const client = await TestClient.open(wsUrl);
  await client.hello(await mintToken("vk-bot", "module"));
  return client;
}

/** Records every `data-publication-state` a decided item takes, on the page itself. */
async function recordStates(p: WatchedPage, id: number): Promise<void> {
  await p.page.evaluate((id) => {
    const w = window as unknown as { __states: string[] };
    w.__states = [];
    const note = () => {
      const el = document.querySelector<HTMLElement>(`[data-decided-id="${id}"]`);
      const state = el?.dataset.publicationState;
      if (state && w.__states.at(-1) !== state) w.__states.push(state);
    };
    new MutationObserver(note).observe(document.getElementById("decisions")!, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ["data-publication-state"],
    });
  }, id);
}

Deno.test({
  name: "approve, then Undo within the window brings the card back on every page",
  ...opts,
}, async () => {
  const hub = await startHub(SQLITE, { UNDO_WINDOW_MS: "20000" });
  const browser = await launch();
  const module = await moduleClient(hub.server.wsUrl);
  try {
    const id = await hub.db.insertResponse({ response_text: "Approved by mistake." });
    assert.equal((await module.request({ type: "SR", response_id: id })).type, "ACK");
    const [alice, bob] = [await watchedPage(browser), await watchedPage(browser, PHONE)];
    await openOperatorPage(alice.page, hub.server.url, await mintToken("alice", "operator"));
    await openOperatorPage(bob.page, hub.server.url, await mintToken("bob", "operator"));
    await connected(alice, bob);
    await alice.page.locator(`${card(id)} [data-action="approve"]`).click();
    for (const p of [alice, bob]) {
      await p.page.locator(card(id)).waitFor({ state: "detached" });
      await p.page.locator(decided(id, "held")).waitFor();
    }
    const held = alice.page.locator(decided(id, "held"));
    assert.match(await held.locator(".decision-countdown").innerText(), /^0:(1\d|20)$/);
    assert.equal(
      await bob.page.locator(`${decided(id)} [data-action="undo"]`).count(),
      0,
      "not bob's",
    );
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    await alice.page.screenshot({ path: `${ARTIFACTS}recent-decisions-held-desktop.png` });
    await bob.page.screenshot({ path: `${ARTIFACTS}recent-decisions-held-phone.png` });
    await held.locator('[data-action="undo"]').click();
    for (const p of [alice, bob]) {
      await p.page.locator(card(id)).waitFor({ timeout: 5_000 });
      await p.page.locator(decided(id)).waitFor({ state: "detached" });
    }
    const row = await hub.db.getResponse(id);
    assert.equal(row?.status, "pending");
    assert.equal(await alice.page.locator("#pending-count").innerText(), "1");
    await assertClean([alice, bob]);
  } finally {
    await module.close();
    await browser.close();
    await hub.dispose();
  }
});

Deno.test({
  name:
    "an approval goes held → queued → publishing → published with its link, on a second page too",
  ...opts,
}, async () => {
  const hub = await startHub(SQLITE, { UNDO_WINDOW_MS: "1500" });
  const browser = await launch();
  const module = await moduleClient(hub.server.wsUrl);
  try {
    const id = await hub.db.insertResponse({ post_url: "https://vk.com/wall-1_77" });
    await module.request({ type: "SR", response_id: id });
    const [alice, bob] = [await watchedPage(browser), await watchedPage(browser, PHONE)];
    await openOperatorPage(alice.page, hub.server.url, await mintToken("alice", "operator"));
    await openOperatorPage(bob.page, hub.server.url, await mintToken("bob", "operator"));
    await connected(alice, bob);
    for (const p of [alice, bob]) await recordStates(p, id);
    await alice.page.locator(`${card(id)} [data-action="approve"]`).click();
    for (const p of [alice, bob]) {
      await p.page.locator(decided(id, "queued")).waitFor({ timeout: 10_000 });
    }
    const taken = await module.request({ type: "TAKE", max: 1 });
    assert.equal(taken.type, "ACK", JSON.stringify(taken));
    const job = taken.jobs[0];
    assert.equal(job.response_id, id);
    for (const p of [alice, bob]) await p.page.locator(decided(id, "publishing")).waitFor();
    assert.match(
      await bob.page.locator(decided(id)).innerText(),
      /alice approved #\d+ — publishing by vk-bot \(attempt 1\)/,
    );
    const url = "https://vk.com/wall-1_77?reply=901";
    const ack = await module.request({
      type: "PUBLISHED",
      response_id: id,
      attempt: job.attempt,
      platform_ref: "901",
      url,
    });
    assert.equal(ack.type, "ACK", JSON.stringify(ack));
    for (const p of [alice, bob]) {
      const item = p.page.locator(decided(id, "published"));
      await item.waitFor();
      assert.equal(await item.locator("a.decision-link").getAttribute("href"), url);
      const states = await p.page.evaluate(() =>
        (window as unknown as { __states: string[] }).__states
      );
      assert.deepEqual(states, ["held", "queued", "publishing", "published"]);
    }
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    await alice.page.screenshot({ path: `${ARTIFACTS}recent-decisions-published-desktop.png` });
    await bob.page.screenshot({ path: `${ARTIFACTS}recent-decisions-published-phone.png` });
    // A page opened now loads the list from SNAPSHOT.in_flight: published ones are not in flight.
    const carol = await watchedPage(browser);
    await openOperatorPage(carol.page, hub.server.url, await mintToken("carol", "operator"));
    await connected(carol);
    assert.equal(await carol.page.locator(decided(id)).count(), 0);
    await assertClean([alice, bob, carol]);
  } finally {
    await module.close();
    await browser.close();
    await hub.dispose();
  }
});

Deno.test({
  name: "a failed publication shows its reason; an admin's Retry queues it again",
  ...opts,
}, async () => {
  const hub = await startHub(SQLITE, { UNDO_WINDOW_MS: "0" });
  const browser = await launch();
  const module = await moduleClient(hub.server.wsUrl);
  try {
    const id = await hub.db.insertResponse({ response_text: "To a deleted post." });
    await module.request({ type: "SR", response_id: id });
    const [alice, root] = [await watchedPage(browser), await watchedPage(browser, PHONE)];
    await openOperatorPage(alice.page, hub.server.url, await mintToken("alice", "operator"));
    await openOperatorPage(root.page, hub.server.url, await mintToken("root", "admin"));
    await connected(alice, root);
    await alice.page.locator(`${card(id)} [data-action="approve"]`).click();
    await root.page.locator(decided(id, "queued")).waitFor({ timeout: 10_000 });
    const job = (await module.request({ type: "TAKE" })).jobs[0];
    const failed = await module.request({
      type: "PUBLISH_FAILED",
      response_id: id,
      attempt: job.attempt,
      reason: "the post was deleted",
      retryable: false,
    });
    assert.equal(failed.type, "ACK", JSON.stringify(failed));
    for (const p of [alice, root]) {
      const item = p.page.locator(decided(id, "failed"));
      await item.waitFor();
      assert.match(
        await item.innerText(),
        /publication failed \(attempt 1\): the post was deleted/,
      );
    }
    assert.equal(
      await alice.page.locator(`${decided(id)} [data-action="retry"]`).count(),
      0,
      "no Retry for an operator",
    );
    await root.page.screenshot({ path: `${ARTIFACTS}recent-decisions-failed-phone.png` });
    await alice.page.screenshot({ path: `${ARTIFACTS}recent-decisions-failed-desktop.png` });
    await root.page.locator(`${decided(id)} [data-action="retry"]`).click();
    for (const p of [alice, root]) {
      const item = p.page.locator(decided(id, "queued"));
      await item.waitFor();
      assert.match(await item.innerText(), /queued \(attempt 2\)/);
    }
    const again = (await module.request({ type: "TAKE" })).jobs[0];
    assert.equal(again.attempt, 2);
    await assertClean([alice, root]);
  } finally {
    await module.close();
    await browser.close();
    await hub.dispose();
  }
});

Deno.test({
  name: "History shows the proposed reply beside the edited one, with its publication state",
  ...opts,
}, async () => {
  const hub = await startHub(SQLITE, { UNDO_WINDOW_MS: "0" });
  const browser = await launch();
  const module = await moduleClient(hub.server.wsUrl);
  try {
    const id = await hub.db.insertResponse({ response_text: "We open at 9." });
    await module.request({ type: "SR", response_id: id });
    const alice = await watchedPage(browser);
    await openOperatorPage(alice.page, hub.server.url, await mintToken("alice", "operator"));
    await connected(alice);
    await alice.page.locator(`${card(id)} [data-action="edit"]`).click();
    await alice.page.locator(`${card(id)} textarea[data-field="text"]`).fill(
      "We open at nine, every day.",
    );
    await alice.page.locator(`${card(id)} [data-action="approve"]`).click();
    await alice.page.locator(decided(id, "queued")).waitFor({ timeout: 10_000 });
    await alice.page.locator("#tab-history").click();
    const row = alice.page.locator(`[data-history-id="${id}"]`);
    await row.waitFor();
    assert.equal(await row.locator(".history-original").innerText(), "We open at 9.");
    assert.equal(await row.locator(".history-edited").innerText(), "We open at nine, every day.");
    assert.match(await row.locator(".history-publication").innerText(), /Publication: queued/);
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    await alice.page.screenshot({ path: `${ARTIFACTS}history-edited-live-desktop.png` });
    await assertClean([alice]);
  } finally {
    await module.close();
    await browser.close();
    await hub.dispose();
  }
});
