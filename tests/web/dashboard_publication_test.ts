/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The dashboard's publication panel in real headless Chromium against a
 * real server: approvals queue up with no module (depth and the oldest
 * age grow), a module publishes some and fails one for good (latency and
 * the failure's reason bucket show). Screenshot in
 * test-artifacts/dashboard-publication.png.
 */
import assert from "node:assert/strict";
import { mintToken } from "../_support/server.ts";
import { SQLITE } from "../integration/backends.ts";
import { startHub } from "../sdk/_live.ts";
import { connect, type ReviewClient } from "../../web/sdk/mod.ts";
import { ARTIFACTS, launch, watchedPage } from "./_browser.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({ name: "the dashboard's publication panel follows the queue", ...opts }, async () => {
  const hub = await startHub(SQLITE, { UNDO_WINDOW_MS: "200", PUBLISH_RETRY_BASE_MS: "100" });
  const browser = await launch();
  const clients: ReviewClient[] = [];
  try {
    const op = connect(hub.server.wsUrl, { token: await mintToken("alice", "operator") });
    const mod = connect(hub.server.wsUrl, { token: await mintToken("pub", "module") });
    clients.push(op, mod);
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const id = await hub.db.insertResponse();
      await op.approve(id);
      ids.push(id);
    }
    const admin = await watchedPage(browser, { width: 1400, height: 1400 });
    await admin.page.goto(
      `${hub.server.url}/dashboard#token=${encodeURIComponent(await mintToken("root", "admin"))}`,
    );
    await admin.page.locator('[data-dashboard-state="live"]').waitFor();
    const figure = async (name: string) =>
      (await admin.page.locator(`[data-figure="${name}"]`).innerText()).trim();
    // Nobody takes them: five in the queue (the gauges are read every 5 s).
    await admin.page.waitForFunction(
      () => document.querySelector('[data-figure="publication-depth"]')?.textContent === "5",
      undefined,
      { timeout: 15_000 },
    );
    assert.match(await figure("publication-states"), /5 queued/);
    assert.notEqual(await figure("publication-oldest"), "none");
    // A module publishes four and fails one for good.
    const jobs = await mod.take({ max: 5 });
    assert.equal(jobs.length, 5);
    for (const j of jobs.slice(0, 4)) await mod.published(j.response_id, j.attempt);
    await mod.publishFailed(jobs[4]!.response_id, jobs[4]!.attempt, "HTTP 403: access denied", {
      retryable: false,
    });
    await admin.page.waitForFunction(
      () =>
        document.querySelector('[data-figure="publication-failures"]')?.textContent ===
          "auth: 1",
      undefined,
      { timeout: 15_000 },
    );
    assert.match(await figure("publication-attempts"), /5 taken · 4 published · 1 failed/);
    assert.notEqual(await figure("publication-latency"), "– · –");
    await admin.page.waitForFunction(
      () =>
        /4 published/.test(
          document.querySelector('[data-figure="publication-states"]')?.textContent ?? "",
        ),
      undefined,
      { timeout: 15_000 },
    );
    assert.match(await figure("publication-states"), /1 failed/);
    await admin.page.locator('[data-panel="publication"]').screenshot({
      path: `${ARTIFACTS}dashboard-publication.png`,
    });
    assert.deepEqual(await admin.cspViolations(), []);
    assert.deepEqual(admin.errors, []);
  } finally {
    for (const c of clients) c.close();
    await browser.close();
    await hub.dispose();
  }
});
