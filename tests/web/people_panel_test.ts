/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The dashboard's People panel in real headless Chromium against two real
 * server processes sharing one database (no Redis: the database carries
 * the figures and the revocation): two operators' pages, one on each
 * process, are listed; Revoke asks for a confirm, then closes that
 * operator's page with "your access was revoked" and no reconnect loop,
 * while the other stays connected. Screenshots in test-artifacts/.
 */
import assert from "node:assert/strict";
import { SQLITE } from "../integration/backends.ts";
import { token } from "../people/_people.ts";
import { startHub } from "../sdk/_live.ts";
import { ARTIFACTS, launch, watchedPage } from "./_browser.ts";

Deno.test(
  {
    name: "People panel: two operators on two processes; Revoke closes one's page with the reason",
    sanitizeOps: false,
    sanitizeResources: false,
  },
  async () => {
    const hub = await startHub(SQLITE);
    const sibling = await hub.sibling();
    const browser = await launch();
    try {
      const alice = await watchedPage(browser);
      await alice.page.goto(`${hub.server.url}/#token=${await token("alice", "operator")}`);
      const bob = await watchedPage(browser);
      await bob.page.goto(`${sibling.url}/#token=${await token("bob", "operator")}`);
      for (const p of [alice, bob]) {
        await p.page.locator('[data-connection-state="connected"]').waitFor();
      }

      const admin = await watchedPage(browser, { width: 1400, height: 1400 });
      await admin.page.goto(`${hub.server.url}/dashboard#token=${await token("root", "admin")}`);
      const row = (user: string) => admin.page.locator(`#people-body tr[data-person="${user}"]`);
      for (const user of ["alice", "bob"]) {
        await admin.page.waitForFunction(
          (u) =>
            document.querySelector(`#people-body tr[data-person="${u}"] td.num`)?.textContent ===
              "1",
          user,
          { timeout: 15_000 },
        );
      }
      assert.match(await row("alice").innerText(), /operator/);
      assert.match(await row("bob").innerText(), /operator/);

      // Revoke asks first; Cancel leaves everything as it was.
      await row("bob").locator('[data-action="revoke"]').click();
      await row("bob").locator('[data-action="cancel"]').click();
      await row("bob").locator('[data-action="revoke"]').waitFor();
      await row("bob").locator('[data-action="revoke"]').click();
      await row("bob").locator('[data-action="confirm"]').waitFor();
      await admin.page.locator("#people").screenshot({ path: `${ARTIFACTS}people-panel.png` });
      await row("bob").locator('[data-action="confirm"]').click();

      // Bob's page, on the other process, goes offline and says why; it does not try again.
      await bob.page.locator('[data-connection-state="offline"]').waitFor({ timeout: 5_000 });
      const said = await bob.page.locator("body").innerText();
      assert.match(said, /access was revoked/i);
      await bob.page.waitForTimeout(2_500);
      assert.equal(
        await bob.page.locator("[data-connection-state]").getAttribute("data-connection-state"),
        "offline",
        "no reconnect loop",
      );
      await bob.page.screenshot({ path: `${ARTIFACTS}people-revoked-page.png` });
      // Alice is untouched.
      assert.equal(
        await alice.page.locator("[data-connection-state]").getAttribute("data-connection-state"),
        "connected",
      );
      // The panel lists bob as revoked, with no connection left.
      await admin.page.waitForFunction(
        () => {
          const r = document.querySelector('#people-body tr[data-person="bob"]');
          return r?.getAttribute("data-revoked") === "true" &&
            r.querySelector("td.num")?.textContent === "0";
        },
        undefined,
        { timeout: 10_000 },
      );
      assert.match(await row("bob").innerText(), /revoked \d\d:\d\d:\d\d/);
      await admin.page.locator("#people").screenshot({
        path: `${ARTIFACTS}people-panel-after.png`,
      });
      for (const p of [alice, admin]) {
        assert.deepEqual(p.dialogs, []);
        assert.deepEqual(await p.cspViolations(), []);
      }
      assert.deepEqual(admin.errors, []);
    } finally {
      await browser.close();
      await sibling.stop();
      await hub.dispose();
    }
  },
);
