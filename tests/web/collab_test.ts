/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Operators working together in real headless Chromium against the real
 * server: Bob edits a reply (claiming it, renewing past the lease), Alice
 * sees "bob is editing" and cannot decide; Bob saves and the card leaves
 * both pages; Cancel releases; a claim nobody renews lapses and frees the
 * card everywhere without any event; the presence strip follows a third
 * page opening and closing. No dialog, no CSP violation, and screenshots
 * of a claimed card at laptop and phone widths.
 */
import assert from "node:assert/strict";
import { mintToken } from "../_support/server.ts";
import { TestClient } from "../_support/ws_client.ts";
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
/** Short enough that a lapse and several renewals happen within a test. */
const LEASE_MS = 4_000;
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

Deno.test(
  { name: "Bob edits under a claim; Alice cannot decide; save and cancel", ...opts },
  async () => {
    const hub = await startHub(SQLITE, { CLAIM_LEASE_MS: String(LEASE_MS) });
    const browser = await launch();
    const clients: ReviewClient[] = [];
    let admin: TestClient | null = null;
    try {
      const base = hub.server.url;
      const [alice, bob] = [await watchedPage(browser), await watchedPage(browser)];
      await openOperatorPage(alice.page, base, await mintToken("alice", "operator"));
      await openOperatorPage(bob.page, base, await mintToken("bob", "operator"));
      await connected(alice, bob);
      const writer = connect(hub.server.wsUrl, { token: await mintToken("writer", "module") });
      clients.push(writer);
      const ids: number[] = [];
      for (let i = 0; i < 3; i++) {
        const id = await hub.db.insertResponse({
          platform: i === 1 ? "telegram" : "vk",
          post_url: i === 1 ? `https://t.me/channel/${40 + i}` : `https://vk.com/wall-1_${40 + i}`,
          post_text: `Customer question number ${i}: when does the shop open?`,
          author: `Reader ${i}`,
          response_text: `We open at nine, reader ${i}. Thanks for asking!`,
        });
        await writer.submit(id);
        ids.push(id);
      }
      const [edited, cancelled] = ids;
      assert.ok(edited !== undefined && cancelled !== undefined, "two responses seeded");
      for (const { page } of [alice, bob]) await page.locator(card(ids[2]!)).waitFor();

      // Bob opens the editor: the card is claimed for him, and locked on Alice's page.
      const bobCard = bob.page.locator(card(edited));
      await bobCard.locator('[data-action="edit"]').click();
      const editor = bobCard.locator("textarea");
      await editor.waitFor();
      await editor.fill("We open at 9:00 every day. <b>Welcome</b>!");
      const aliceCard = alice.page.locator(`${card(edited)}[data-claimed-by="bob"]`);
      await aliceCard.waitFor();
      assert.match(
        await aliceCard.locator(".card-claim").innerText(),
        /bob is editing — \d:\d\d left/,
      );
      for (const action of ["approve", "reject", "edit"]) {
        assert.equal(
          await aliceCard.locator(`[data-action="${action}"]`).isDisabled(),
          true,
          `Alice's ${action} is disabled`,
        );
      }
      // The keyboard cannot decide it either.
      await aliceCard.focus();
      await alice.page.keyboard.press("a");
      await alice.page.keyboard.press("r");
      assert.equal((await hub.db.getResponse(edited))?.status, "pending", "Alice decided nothing");
      await Deno.mkdir(ARTIFACTS, { recursive: true });
      await alice.page.screenshot({ path: `${ARTIFACTS}claimed-card.png` });

      // A page opened now learns the claim from the SNAPSHOT.
      await alice.page.reload();
      await alice.page.locator(`${card(edited)}[data-claimed-by="bob"]`).waitFor();
      assert.equal(
        await alice.page.locator(`${card(edited)} [data-action="approve"]`).isDisabled(),
        true,
      );

      // Bob keeps editing past the lease: his page renews, so Alice still sees the claim.
      const claimedAt = Date.now();
      while (Date.now() - claimedAt < LEASE_MS * 1.75) {
        await alice.page.waitForTimeout(250);
        assert.equal(
          await alice.page.locator(`${card(edited)}[data-claimed-by="bob"]`).count(),
          1,
          "the claim stays while Bob edits",
        );
      }
      await alice.page.setViewportSize(PHONE);
      await alice.page.locator(card(edited)).scrollIntoViewIfNeeded();
      const overflow = await alice.page.evaluate(() =>
        document.documentElement.scrollWidth - document.documentElement.clientWidth
      );
      assert.equal(overflow, 0, "nothing wider than a phone screen");
      await alice.page.screenshot({ path: `${ARTIFACTS}claimed-card-phone.png` });
      await bobCard.screenshot({ path: `${ARTIFACTS}editing-card.png` });

      // Bob saves: the card leaves both pages, and the edited text is what was approved.
      await bobCard.locator('[data-action="approve"]').click();
      for (const { page } of [alice, bob]) {
        await page.locator(card(edited)).waitFor({ state: "detached" });
      }
      const row = await hub.db.getResponse(edited);
      assert.equal(row?.status, "approved");
      assert.equal(row?.decided_by, "bob");
      assert.equal(row?.response_text, "We open at 9:00 every day. <b>Welcome</b>!");

      // Bob edits another card and cancels: the claim is released and Alice may decide again.
      const bobOther = bob.page.locator(card(cancelled));
      await bobOther.locator('[data-action="edit"]').click();
      await alice.page.locator(`${card(cancelled)}[data-claimed-by="bob"]`).waitFor();
      await bobOther.locator('[data-action="cancel"]').click();
      const freed = alice.page.locator(`${card(cancelled)}:not([data-claimed-by])`);
      await freed.waitFor();
      assert.equal(await freed.locator('[data-action="approve"]').isDisabled(), false);
      assert.equal(await freed.locator(".card-claim").isHidden(), true);
      const kinds = (await hub.db.events()).filter((e) => e.response_id === cancelled);
      assert.deepEqual(kinds.map((e) => e.kind), ["pending", "claimed", "released"]);

      // Alice now claims it; Bob's Edit is refused and he is told who holds it.
      await freed.locator('[data-action="edit"]').click();
      await bob.page.locator(`${card(cancelled)}[data-claimed-by="alice"]`).waitFor();
      assert.equal(await bobOther.locator('[data-action="edit"]').isDisabled(), true);

      // An admin ends Alice's claim: her editor closes, she is told who, and Bob may edit.
      admin = await TestClient.open(hub.server.wsUrl);
      admin.send({ type: "CL", id: "hello", token: await mintToken("dana", "admin") });
      await admin.next((f) => f.type === "WELCOME");
      admin.send({ type: "RELEASE", id: "release", response_id: cancelled });
      const released = await admin.next((f) => f.id === "release");
      assert.equal(released.type, "ACK", JSON.stringify(released));
      const aliceOther = alice.page.locator(card(cancelled));
      await aliceOther.locator(".card-editor").waitFor({ state: "hidden" });
      assert.match(
        await aliceOther.locator(".card-status").innerText(),
        /dana released your claim/,
      );
      await bob.page.locator(`${card(cancelled)}:not([data-claimed-by])`).waitFor();
      await assertClean([alice, bob]);
    } finally {
      admin?.socket.close();
      clients.forEach((c) => c.close());
      await browser.close();
      await hub.dispose();
    }
  },
);

Deno.test(
  { name: "a claim nobody renews lapses and frees the card everywhere", ...opts },
  async () => {
    const hub = await startHub(SQLITE, { CLAIM_LEASE_MS: "2000" });
    const browser = await launch();
    let carol: TestClient | null = null;
    const clients: ReviewClient[] = [];
    try {
      const [alice, bob] = [await watchedPage(browser), await watchedPage(browser)];
      await openOperatorPage(alice.page, hub.server.url, await mintToken("alice", "operator"));
      await openOperatorPage(bob.page, hub.server.url, await mintToken("bob", "operator"));
      await connected(alice, bob);
      const id = await hub.db.insertResponse({ response_text: "a reply carol forgets" });
      const writer = connect(hub.server.wsUrl, { token: await mintToken("writer", "module") });
      clients.push(writer);
      await writer.submit(id);
      carol = await TestClient.open(hub.server.wsUrl);
      carol.send({ type: "CL", id: "hello", token: await mintToken("carol", "operator") });
      await carol.next((f) => f.type === "WELCOME");
      carol.send({ type: "CLAIM", id: "claim", response_id: id });
      const ack = await carol.next((f) => f.id === "claim");
      assert.equal(ack.type, "ACK", JSON.stringify(ack));
      const until = Date.parse(ack.claim_until);
      for (const { page } of [alice, bob]) {
        await page.locator(`${card(id)}[data-claimed-by="carol"]`).waitFor();
      }
      // No event marks the lapse: each page times it against the server's clock.
      for (const { page } of [alice, bob]) {
        await page.locator(`${card(id)}:not([data-claimed-by])`).waitFor({ timeout: 10_000 });
      }
      const freedAt = Date.now();
      assert.ok(
        freedAt >= until - 1_000,
        `not freed before the lease ended (${until - freedAt} ms)`,
      );
      assert.ok(
        freedAt <= until + 3_000,
        `freed soon after the lease ended (${freedAt - until} ms)`,
      );
      assert.deepEqual(
        (await hub.db.events()).filter((e) => e.response_id === id).map((e) => e.kind),
        ["pending", "claimed"],
        "no event marked the lapse",
      );
      // Alice may now decide it.
      await alice.page.locator(`${card(id)} [data-action="approve"]`).click();
      await bob.page.locator(card(id)).waitFor({ state: "detached" });
      assert.equal((await hub.db.getResponse(id))?.decided_by, "alice");
      await assertClean([alice, bob]);
    } finally {
      carol?.socket.close();
      clients.forEach((c) => c.close());
      await browser.close();
      await hub.dispose();
    }
  },
);

Deno.test(
  { name: "the presence strip follows a third page opening and closing", ...opts },
  async () => {
    const hub = await startHub(SQLITE);
    const browser = await launch();
    try {
      const base = hub.server.url;
      const [alice, bob] = [await watchedPage(browser), await watchedPage(browser)];
      await openOperatorPage(alice.page, base, await mintToken("alice", "operator"));
      await openOperatorPage(bob.page, base, await mintToken("bob", "operator"));
      await connected(alice, bob);
      const strip = alice.page.locator("#presence-list");
      await strip.locator('[data-presence-user="bob"]').waitFor();
      assert.equal(await alice.page.locator("#presence-count").innerText(), "2 online");
      assert.match(
        await strip.locator('[data-presence-user="alice"]').innerText(),
        /alice \(you\)/,
      );

      const carol = await watchedPage(browser);
      await openOperatorPage(carol.page, base, await mintToken("carol", "operator"));
      await strip.locator('[data-presence-user="carol"]').waitFor({ timeout: 5_000 });
      assert.equal(await alice.page.locator("#presence-count").innerText(), "3 online");

      // A second tab of Bob's counts as a second connection of one person.
      const bobTab = await bob.context.newPage();
      await openOperatorPage(bobTab, base, await mintToken("bob", "operator"));
      const bobChip = strip.locator('[data-presence-user="bob"][data-connections="2"]');
      await bobChip.waitFor({ timeout: 5_000 });
      assert.equal(await bobChip.innerText(), "bob ×2");
      assert.equal(await alice.page.locator("#presence-count").innerText(), "3 online");

      await carol.context.close();
      await strip.locator('[data-presence-user="carol"]').waitFor({
        state: "detached",
        timeout: 5_000,
      });
      await bobTab.close();
      await strip.locator('[data-presence-user="bob"][data-connections="1"]').waitFor({
        timeout: 5_000,
      });
      assert.equal(await alice.page.locator("#presence-count").innerText(), "2 online");
      await assertClean([alice, bob]);
    } finally {
      await browser.close();
      await hub.dispose();
    }
  },
);
