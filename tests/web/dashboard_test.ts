/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The dashboard in real headless Chromium against two real server processes
 * sharing one database: an admin opens `/dashboard`; the charts and tiles
 * move as clients connect on either process, SRs arrive and clients leave;
 * the clients table lists them with their process; the database and broker
 * states show. An operator's token gets no figures (403), a missing one 401.
 * No CSP violation, no page error; screenshots in test-artifacts/.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { mintToken } from "../_support/server.ts";
import { TestClient } from "../_support/ws_client.ts";
import { REDIS_UP, TEST_REDIS_URL } from "../_support/services.ts";
import { SQLITE } from "../integration/backends.ts";
import { startHub } from "../sdk/_live.ts";
import { ARTIFACTS, launch, watchedPage } from "./_browser.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** The latest values a chart shows (its `data-last`). */
async function chartLast(page: Page, chart: string): Promise<Record<string, number | null>> {
  const raw = await page.locator(`[data-chart="${chart}"]`).getAttribute("data-last");
  return raw ? JSON.parse(raw) : {};
}

/** Waits until a chart's latest values satisfy a condition. */
async function untilChart(
  page: Page,
  chart: string,
  ok: (last: Record<string, number | null>) => boolean,
  what: string,
): Promise<Record<string, number | null>> {
  const deadline = Date.now() + 15_000;
  let last: Record<string, number | null> = {};
  while (Date.now() < deadline) {
    last = await chartLast(page, chart);
    if (ok(last)) return last;
    await page.waitForTimeout(100);
  }
  throw new Error(`chart ${chart}: ${what}; it shows ${JSON.stringify(last)}`);
}

async function figure(page: Page, name: string): Promise<string> {
  return (await page.locator(`[data-figure="${name}"]`).first().innerText()).trim();
}

Deno.test(
  { name: "an admin watches the cluster live on /dashboard", ignore: !REDIS_UP, ...opts },
  async () => {
    // Redis carries events (and figures) between the two processes, so the broker shows "ok".
    const hub = await startHub(SQLITE, { REDIS_URL: TEST_REDIS_URL });
    const sibling = await hub.sibling();
    const browser = await launch();
    const clients: TestClient[] = [];
    try {
      const admin = await watchedPage(browser, { width: 1400, height: 1500 });
      await admin.page.goto(
        `${hub.server.url}/dashboard#token=${encodeURIComponent(await mintToken("root", "admin"))}`,
      );
      await admin.page.locator('[data-dashboard-state="live"]').waitFor();
      assert.doesNotMatch(admin.page.url(), /token/, "the token left the address bar");
      assert.equal(await figure(admin.page, "database"), "ok");
      await admin.page.waitForFunction(() =>
        document.querySelector('[data-figure="broker"]')?.textContent === "ok"
      );
      await untilChart(admin.page, "roles", (l) => l.operator === 0, "no operator yet");
      // Both processes publish; the sibling's figures arrive through Redis.
      await admin.page.locator("#nodes-body tr").nth(1).waitFor();
      assert.equal(await admin.page.locator("#nodes-body tr").count(), 2);
      assert.equal(await figure(admin.page, "nodes"), "2");

      // Operators on both processes, and a module: the roles chart and the table follow.
      const users = ["alice", "bob", "carol", "dave", "erin"];
      for (const [i, user] of users.entries()) {
        const c = await TestClient.open(i < 3 ? hub.server.wsUrl : sibling.wsUrl);
        await c.hello(await mintToken(user, "operator"));
        clients.push(c);
      }
      const writer = await TestClient.open(hub.server.wsUrl);
      await writer.hello(await mintToken("writer", "module"));
      clients.push(writer);
      await untilChart(
        admin.page,
        "roles",
        (l) => l.operator === 5 && l.module === 1,
        "5 operators",
      );
      const perNode = await untilChart(
        admin.page,
        "nodes",
        (l) => Object.values(l).sort().join(",") === "2,4",
        "4 connections on the first process, 2 on the sibling",
      );
      assert.equal(Object.keys(perNode).length, 2);
      for (const user of [...users, "writer"]) {
        await admin.page.locator(`#clients-body tr[data-user="${user}"]`).waitFor();
      }
      const dave = admin.page.locator('#clients-body tr[data-user="dave"] td');
      assert.equal(await dave.nth(1).innerText(), "operator");
      assert.match(await dave.nth(2).innerText(), new RegExp(`:${await sidecarPid(sibling.url)}$`));
      assert.equal(await dave.nth(5).innerText(), "127.0.0.1");
      assert.equal(await figure(admin.page, "connections-total"), "6");

      // SRs arrive: events per second and SR → EVENT latency move; the head follows.
      for (let i = 0; i < 6; i++) {
        const id = await hub.db.insertResponse({ response_text: `reply ${i}` });
        const ack = await writer.request({ type: "SR", id: `sr${i}`, response_id: id });
        assert.equal(ack.type, "ACK", JSON.stringify(ack));
      }
      await untilChart(admin.page, "events", (l) => (l.appended ?? 0) > 0, "events appended");
      await untilChart(admin.page, "latency", (l) => l.p50 !== null && l.p99 !== null, "latency");
      await admin.page.waitForFunction(() =>
        document.querySelector('[data-figure="log-head"]')?.textContent === "6"
      );
      assert.match(await figure(admin.page, "latency-total"), /p50 [\d.]+ ms, p99 [\d.]+ ms/);
      await admin.page.screenshot({ path: `${ARTIFACTS}dashboard-busy.png`, fullPage: true });

      // Two operators leave (one on each process): the charts and the table follow.
      await clients[0]!.close(1000);
      await clients[4]!.close(1000);
      await untilChart(admin.page, "roles", (l) => l.operator === 3, "3 operators left");
      await admin.page.locator('#clients-body tr[data-user="alice"]').waitFor({
        state: "detached",
      });
      await admin.page.locator('#clients-body tr[data-user="erin"]').waitFor({ state: "detached" });
      await admin.page.waitForFunction(() =>
        /1000: 2/.test(document.querySelector('[data-figure="closes"]')?.textContent ?? "")
      );
      await untilChart(admin.page, "sessions", (l) => l.closes !== null, "closes charted");
      const points = Number(
        await admin.page.locator('[data-chart="roles"]').getAttribute("data-points"),
      );
      // Seen at 0, 5 and 3 operators, each from its own poll: at least three points kept.
      assert.ok(points >= 3, `the charts kept ${points} points`);
      await admin.page.screenshot({ path: `${ARTIFACTS}dashboard.png`, fullPage: true });
      await admin.page.setViewportSize({ width: 390, height: 900 });
      await admin.page.waitForTimeout(300);
      await admin.page.screenshot({ path: `${ARTIFACTS}dashboard-phone.png`, fullPage: true });

      assert.deepEqual(await admin.cspViolations(), [], "no CSP violation");
      assert.deepEqual(admin.errors, [], "no page error");
      assert.deepEqual(admin.dialogs, []);

      // An operator's token gets the page but no figures.
      const operator = await watchedPage(browser);
      await operator.page.goto(
        `${hub.server.url}/dashboard#token=${
          encodeURIComponent(await mintToken("olga", "operator"))
        }`,
      );
      await operator.page.locator('[data-dashboard-state="forbidden"]').waitFor();
      assert.match(await operator.page.locator("#message").innerText(), /admin/);
      assert.equal(await operator.page.locator("#clients-body tr").count(), 0, "no client listed");
      assert.deepEqual(await operator.cspViolations(), []);
      assert.deepEqual(operator.errors.filter((e) => !/HTTP 403 .*\/api\/dashboard$/.test(e)), []);
    } finally {
      for (const c of clients) await c.close().catch(() => {});
      await browser.close();
      await sibling.stop().catch(() => 0);
      await hub.dispose();
    }
  },
);

Deno.test(
  { name: "/api/dashboard answers admins only; /dashboard has the page's CSP", ...opts },
  async () => {
    const hub = await startHub(SQLITE);
    try {
      const url = `${hub.server.url}/api/dashboard`;
      const none = await fetch(url);
      assert.equal(none.status, 401);
      assert.equal((await none.json()).code, "unauthorized");
      const forged = await fetch(url, {
        headers: {
          authorization: `Bearer ${await mintToken("x", "admin", {
            secret: "another-secret-of-at-least-32-bytes!",
          })}`,
        },
      });
      assert.equal(forged.status, 401);
      await forged.body?.cancel();
      for (const role of ["operator", "module"] as const) {
        const res = await fetch(url, {
          headers: { authorization: `Bearer ${await mintToken("x", role)}` },
        });
        assert.equal(res.status, 403, role);
        assert.equal((await res.json()).code, "forbidden");
      }
      const ok = await fetch(url, {
        headers: { authorization: `Bearer ${await mintToken("root", "admin")}` },
      });
      assert.equal(ok.status, 200);
      const body = await ok.json();
      assert.equal(body.nodes.length, 1);
      assert.equal(body.total.nodes, 1);
      assert.equal(body.total.database, "ok");

      const page = await fetch(`${hub.server.url}/dashboard`);
      assert.equal(page.status, 200);
      const csp = page.headers.get("content-security-policy") ?? "";
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.doesNotMatch(csp, /unsafe-inline/);
      const html = await page.text();
      assert.match(html, /src="\/static\/dashboard\.js"/);
      assert.doesNotMatch(html, /<script\b[^>]*>[^<]+<\/script>/, "no inline script");
      assert.doesNotMatch(html, /\sstyle=|<style\b|\son[a-z]+=/i, "no inline style or handler");
    } finally {
      await hub.dispose();
    }
  },
);

/** The pid of a server process, from its own figures. */
async function sidecarPid(base: string): Promise<number> {
  const res = await fetch(`${base}/api/dashboard`, {
    headers: { authorization: `Bearer ${await mintToken("root", "admin")}` },
  });
  const body = await res.json();
  return body.nodes.find((n: { node: string }) => n.node === body.self).pid;
}
