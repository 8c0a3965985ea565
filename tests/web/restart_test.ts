/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The operator page across a server crash: the server is killed (SIGKILL),
 * the indicator says so in both pages, another process on the same database
 * changes things meanwhile, and when the server is back on the same port both
 * pages catch up by resuming. On SQLite and on MariaDB.
 */
import assert from "node:assert/strict";
import { mintToken } from "../_support/server.ts";
import { BACKENDS } from "../integration/backends.ts";
import { connect } from "../../web/sdk/mod.ts";
import { startHub } from "../sdk/_live.ts";
import { card, launch, openOperatorPage, watchedPage } from "./_browser.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
/** Long enough for the page's backoff (full jitter, cap 30 s) after a few failed tries. */
const CATCH_UP_TIMEOUT = 45_000;

for (const kind of BACKENDS) {
  Deno.test({
    name: `both pages catch up after kill -9 and restart on ${kind.name}`,
    ignore: !kind.available,
    ...opts,
  }, async () => {
    const hub = await startHub(kind);
    const browser = await launch();
    try {
      const pages = [await watchedPage(browser), await watchedPage(browser)];
      await openOperatorPage(pages[0]!.page, hub.server.url, await mintToken("alice", "operator"));
      await openOperatorPage(pages[1]!.page, hub.server.url, await mintToken("bob", "operator"));
      const writer = connect(hub.server.wsUrl, { token: await mintToken("writer", "module") });
      const first = await hub.db.insertResponse({ response_text: "decided while down" });
      const second = await hub.db.insertResponse({ response_text: "still pending" });
      await writer.submit(first);
      await writer.submit(second);
      for (const { page } of pages) await page.locator(card(second)).waitFor();
      writer.close();

      await hub.server.kill();
      for (const { page } of pages) {
        const indicator = page.locator('[data-connection-state="reconnecting"]');
        await indicator.waitFor();
        await page.locator(".connection-text", { hasText: /next try in \d+ s/ }).waitFor();
      }

      // Meanwhile, another server process on the same database takes a decision and a new card.
      const sibling = await hub.sibling();
      const carol = connect(sibling.wsUrl, { token: await mintToken("carol", "operator") });
      const writer2 = connect(sibling.wsUrl, { token: await mintToken("writer", "module") });
      const third = await hub.db.insertResponse({ response_text: "new while down" });
      await writer2.submit(third);
      await carol.approve(first);
      carol.close();
      writer2.close();
      await sibling.stop();

      await hub.restart();
      const restarted = performance.now();
      for (const { page } of pages) {
        await page.locator(card(third)).waitFor({ timeout: CATCH_UP_TIMEOUT });
        await page.locator(card(first)).waitFor({ state: "detached", timeout: CATCH_UP_TIMEOUT });
        await page.locator('[data-connection-state="connected"]').waitFor();
      }
      const caughtUp = performance.now() - restarted;
      console.log(
        `[measure] ${kind.name}: server ready again → both pages caught up in ${
          caughtUp.toFixed(0)
        } ms`,
      );
      for (const { page } of pages) {
        const note = page.locator(`[data-decided-id="${first}"]`);
        assert.match(await note.innerText(), /carol approved #/);
        assert.equal(await page.locator(card(second)).count(), 1, "the untouched card stays");
        assert.equal(await page.locator("#pending-count").innerText(), "2");
      }
      for (const p of pages) {
        assert.deepEqual(p.dialogs, []);
        assert.deepEqual(await p.cspViolations(), []);
        assert.deepEqual(p.errors, []);
      }
    } finally {
      await browser.close();
      await hub.dispose();
    }
  });
}
