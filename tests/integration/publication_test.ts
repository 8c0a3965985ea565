/**
 * The publication pipeline (v1.2, PROTOCOL.md §3.4) over real WebSockets,
 * two server processes on one database, on SQLite and on MariaDB: undo
 * within and after the window by the decider, another operator and an
 * admin; an edited reply restored; TAKE racing from five modules; a lapsed
 * lease → maybe_applied and a late success; retryable and final failures
 * with the backoff; RETRY; bad inputs answered with their codes;
 * `in_flight` and `created_at` in SNAPSHOT; history's publication.
 */
import assert from "node:assert/strict";
import { mintToken } from "../_support/server.ts";
import type { Frame, TestClient } from "../_support/ws_client.ts";
import { BACKENDS } from "./backends.ts";
import { withTwoServers } from "./_two_servers.ts";
import { ack, approveAndQueue, drain, eventOf, refused } from "./_publication.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const WINDOW = 1500;
const LEASE = 1500;
const BASE = 600;
const ENV = {
  UNDO_WINDOW_MS: String(WINDOW),
  PUBLISH_LEASE_MS: String(LEASE),
  PUBLISH_RETRY_BASE_MS: String(BASE),
  PUBLISH_MAX_ATTEMPTS: "3",
};
/** The window, the scheduler's second and slack for a loaded machine. */
const QUEUE_WAIT = WINDOW + 4000;

for (const kind of BACKENDS) {
  Deno.test(
    { name: `publication on ${kind.name}, two processes`, ignore: !kind.available, ...opts },
    (t) =>
      withTwoServers(kind, ENV, async ({ db, connect, servers }) => {
        const alice = await connect(0, "alice");
        const bob = await connect(1, "bob");
        const root = await connect(1, "root", "admin");
        const pub = await connect(0, "pub-a", "module");
        for (const c of [alice, bob, root, pub]) await c.nextOf("SNAPSHOT");

        await t.step("WELCOME carries limits, undo_window_ms, claim_lease_ms", async () => {
          const c = await connect(0, "carol");
          const welcome = c.history.find((f) => f.type === "WELCOME")!;
          assert.deepEqual(welcome.limits, { text: 4096, reason: 1024 });
          assert.equal(welcome.undo_window_ms, WINDOW);
          assert.equal(welcome.claim_lease_ms, 120_000);
          const snap = await c.nextOf("SNAPSHOT");
          assert.deepEqual(snap.in_flight, []);
          await c.close();
        });

        await t.step(
          "the decider undoes an edited approval; another operator may not",
          async () => {
            const id = await db.insertResponse({ response_text: "proposed" });
            const sent = Date.now();
            await ack(alice, { type: "APPROVED", response_id: id, text: "edited" });
            const approved = await eventOf(bob, (e) =>
              e.event === "approved" && e.response_id === id);
            const undoUntil = Date.parse(approved.undo_until);
            assert.equal(undoUntil - Date.parse(approved.at), WINDOW);
            assert.ok(undoUntil >= sent + WINDOW - 50);
            const other = await refused(bob, { type: "UNDO", response_id: id }, "forbidden");
            assert.equal(other.decided_by, "alice");
            const undone = await ack(alice, { type: "UNDO", response_id: id });
            const reopened = await eventOf(bob, (e) =>
              e.event === "reopened" && e.response_id === id);
            assert.equal(reopened.seq, undone.seq);
            assert.equal(reopened.by, "alice");
            assert.equal(reopened.platform, "vk");
            assert.match(reopened.html, /proposed/);
            assert.doesNotMatch(reopened.html, /edited/);
            const row = await db.getResponse(id);
            assert.equal(row?.status, "pending");
            assert.equal(row?.response_text, "proposed");
            assert.equal(row?.decided_by, null);
            // Nothing is published: no queued event follows the window.
            await new Promise((r) =>
              setTimeout(r, WINDOW + 1200)
            );
            assert.equal(
              (await db.events()).filter((e) =>
                e.response_id === id && e.kind === "queued"
              ).length,
              0,
            );
            await refused(alice, { type: "UNDO", response_id: id }, "bad_state").then((f) =>
              assert.equal(f.state, "pending")
            );
          },
        );

        await t.step(
          "an admin undoes anyone's rejection; after the window it is too_late",
          async () => {
            const id = await db.insertResponse();
            await ack(alice, { type: "REJECTED", response_id: id, reason: "rude" });
            await ack(root, { type: "UNDO", response_id: id });
            await eventOf(alice, (e) =>
              e.event === "reopened" && e.response_id === id && e.by === "root");
            assert.equal((await db.getResponse(id))?.reason, null);
            await ack(bob, { type: "REJECTED", response_id: id });
            await new Promise((r) =>
              setTimeout(r, WINDOW + 100)
            );
            const late = await refused(bob, { type: "UNDO", response_id: id }, "too_late");
            assert.equal(late.retryable, false);
            await refused(root, { type: "UNDO", response_id: id }, "too_late");
          },
        );

        await t.step(
          "the window's end queues attempt 1 once, within a second, on either process",
          async () => {
            const id = await db.insertResponse();
            await ack(alice, { type: "APPROVED", response_id: id });
            const approved = await eventOf(bob, (e) =>
              e.event === "approved" && e.response_id === id);
            const queued = await eventOf(bob, (e) =>
              e.event === "queued" && e.response_id === id, QUEUE_WAIT);
            assert.equal(queued.attempt, 1);
            assert.equal(queued.maybe_applied, false);
            assert.equal(queued.due_at, approved.undo_until);
            await refused(alice, { type: "UNDO", response_id: id }, "too_late");
            await new Promise((r) =>
              setTimeout(r, 1200)
            );
            const kinds = (await db.events()).filter((e) =>
              e.response_id === id
            ).map((e) => e.kind);
            assert.deepEqual(kinds, ["approved", "queued"], "once, across both processes");
          },
        );

        await t.step("TAKE racing from five modules: every attempt to exactly one", async () => {
          await drain(pub); // what the earlier steps queued
          const ids: number[] = [];
          for (let i = 0; i < 12; i++) {
            ids.push(await db.insertResponse({ response_text: `r${i}` }));
          }
          for (const id of ids) {
            await ack(i0(ids, id) ? alice : bob, { type: "APPROVED", response_id: id });
          }
          for (const id of ids) {
            await eventOf(pub, (e) => e.event === "queued" && e.response_id === id, QUEUE_WAIT);
          }
          const modules: TestClient[] = [];
          for (let i = 0; i < 5; i++) modules.push(await connect(i % 2, `racer${i}`, "module"));
          const taken: Frame[] = [];
          await Promise.all(modules.map(async (m) => {
            for (;;) {
              const reply = await ack(m, { type: "TAKE", max: 2 });
              if (reply.jobs.length === 0) return;
              for (const j of reply.jobs) taken.push({ ...j, by: m });
            }
          }));
          assert.deepEqual(taken.map((j) => j.response_id).sort((a, b) => a - b), ids);
          for (const j of taken) {
            assert.equal(j.attempt, 1);
            assert.equal(j.maybe_applied, false);
            assert.equal(j.platform, "vk");
            assert.equal(j.post_url, "https://vk.com/wall-1_1");
            assert.match(j.text, /^r\d+$/);
            assert.ok(j.decided_by === "alice" || j.decided_by === "bob");
            assert.ok(Date.parse(j.lease_until) > Date.now());
          }
          const publishing = (await db.events()).filter((e) =>
            e.kind === "publishing" && ids.includes(e.response_id)
          );
          assert.equal(publishing.length, ids.length, "one publishing event per attempt");
          for (const j of taken) {
            await ack(j.by, { type: "PUBLISHED", response_id: j.response_id, attempt: 1 });
          }
          for (const m of modules) await m.close();
        });

        await t.step(
          "a lapsed lease re-queues with maybe_applied; a late success ends it",
          async () => {
            const id = await db.insertResponse();
            await approveAndQueue(alice, pub, id, QUEUE_WAIT);
            const [job] = (await ack(pub, { type: "TAKE" })).jobs;
            assert.equal(job.response_id, id);
            const requeued = await eventOf(
              alice,
              (e) => e.event === "queued" && e.response_id === id && e.attempt === 2,
              LEASE + 4000,
            );
            assert.equal(requeued.maybe_applied, true);
            const other = await connect(1, "pub-b", "module");
            const [again] = (await ack(other, { type: "TAKE" })).jobs;
            assert.equal(again.attempt, 2);
            assert.equal(again.maybe_applied, true);
            // Attempt 1's module comes back with its success: it ends the publication.
            const late = await ack(pub, {
              type: "PUBLISHED",
              response_id: id,
              attempt: 1,
              platform_ref: "wall-1_1?reply=7",
              url: "https://vk.com/wall-1_1?reply=7",
            });
            assert.equal(late.duplicate, false);
            const published = await eventOf(bob, (e) =>
              e.event === "published" && e.response_id === id);
            assert.equal(published.attempt, 1);
            assert.equal(published.by, "pub-a");
            assert.equal(published.url, "https://vk.com/wall-1_1?reply=7");
            const dup = await ack(other, { type: "PUBLISHED", response_id: id, attempt: 2 });
            assert.equal(dup.duplicate, true);
            assert.equal(dup.seq, late.seq);
            await refused(other, {
              type: "PUBLISH_FAILED",
              response_id: id,
              attempt: 2,
              reason: "x",
            }, "bad_state")
              .then((f) =>
                assert.equal(f.state, "published")
              );
            await other.close();
          },
        );

        await t.step(
          "failures: backoff ×4, stale reports, final after the last attempt, RETRY",
          async () => {
            const id = await db.insertResponse({
              platform: "telegram",
              post_url: "https://t.me/chan/5",
            });
            await approveAndQueue(alice, pub, id, QUEUE_WAIT);
            let [job] = (await ack(pub, { type: "TAKE", platforms: ["telegram"] })).jobs;
            assert.equal(job.attempt, 1);
            const before = Date.now();
            const first = await ack(pub, {
              type: "PUBLISH_FAILED",
              response_id: id,
              attempt: 1,
              reason: "HTTP 502",
            });
            const failed1 = await eventOf(pub, (e) => e.seq === first.seq);
            assert.equal(failed1.final, false);
            const wait1 = Date.parse(failed1.due_at) - Date.parse(failed1.at);
            assert.equal(wait1, BASE, "base × 4^0");
            assert.ok(Date.parse(failed1.at) >= before - 5);
            assert.deepEqual((await ack(pub, { type: "TAKE", platforms: ["telegram"] })).jobs, []);
            const stale = await ack(pub, {
              type: "PUBLISH_FAILED",
              response_id: id,
              attempt: 1,
              reason: "again",
            });
            assert.equal(stale.stale, true);
            await new Promise((r) => setTimeout(r, BASE + 50));
            [job] = (await ack(pub, { type: "TAKE", platforms: ["telegram"] })).jobs;
            assert.equal(job.attempt, 2);
            assert.equal(job.maybe_applied, false);
            const second = await ack(pub, {
              type: "PUBLISH_FAILED",
              response_id: id,
              attempt: 2,
              reason: "429 Too Many Requests",
            });
            const failed2 = await eventOf(pub, (e) => e.seq === second.seq);
            assert.equal(
              Date.parse(failed2.due_at) - Date.parse(failed2.at),
              BASE * 4,
              "base × 4^1",
            );
            await new Promise((r) => setTimeout(r, BASE * 4 + 50));
            [job] = (await ack(pub, { type: "TAKE" })).jobs;
            assert.equal(job.attempt, 3);
            const third = await ack(pub, {
              type: "PUBLISH_FAILED",
              response_id: id,
              attempt: 3,
              reason: "HTTP 500",
              retry_after_ms: 10,
            });
            const final = await eventOf(bob, (e) => e.seq === third.seq);
            assert.equal(final.final, true, "PUBLISH_MAX_ATTEMPTS reached");
            assert.equal(final.due_at, null);
            await refused(
              pub,
              { type: "PUBLISH_FAILED", response_id: id, attempt: 3, reason: "x" },
              "bad_state",
            )
              .then((f) => assert.equal(f.state, "failed"));
            await refused(alice, { type: "RETRY", response_id: id }, "forbidden");
            await refused(pub, { type: "RETRY", response_id: id }, "forbidden");
            const retried = await ack(root, { type: "RETRY", response_id: id });
            const queued = await eventOf(alice, (e) => e.seq === retried.seq);
            assert.equal(queued.event, "queued");
            assert.equal(queued.attempt, 4);
            await refused(root, { type: "RETRY", response_id: id }, "bad_state").then((f) =>
              assert.equal(f.state, "queued")
            );
            [job] = (await ack(pub, { type: "TAKE" })).jobs;
            assert.equal(job.attempt, 4);
            // Bad inputs: each with its code, and nothing changes.
            const head = (await db.events()).length;
            await refused(pub, {
              type: "PUBLISHED",
              response_id: id,
              attempt: 4,
              url: "https://vk.com/x",
            }, "bad_frame");
            await refused(pub, {
              type: "PUBLISHED",
              response_id: id,
              attempt: 4,
              url: "http://t.me/chan/5",
            }, "bad_frame");
            await refused(pub, {
              type: "PUBLISHED",
              response_id: id,
              attempt: 4,
              url: "https://t.me.evil.com/x",
            }, "bad_frame");
            await refused(pub, {
              type: "PUBLISHED",
              response_id: id,
              attempt: 4,
              platform_ref: "x".repeat(129),
            }, "too_large");
            await refused(pub, {
              type: "PUBLISHED",
              response_id: id,
              attempt: 4,
              url: `https://t.me/${"x".repeat(510)}`,
            }, "too_large");
            await refused(pub, {
              type: "PUBLISH_FAILED",
              response_id: id,
              attempt: 4,
              reason: "x".repeat(1025),
            }, "too_large");
            await refused(pub, {
              type: "PUBLISH_FAILED",
              response_id: id,
              attempt: 4,
              reason: "x",
              retry_after_ms: -1,
            }, "bad_frame");
            await refused(pub, {
              type: "PUBLISH_FAILED",
              response_id: id,
              attempt: 4,
              reason: "x",
              retryable: "no",
            }, "bad_frame");
            await refused(
              pub,
              { type: "PUBLISH_FAILED", response_id: id, attempt: 4 },
              "bad_frame",
            );
            await refused(pub, { type: "PUBLISHED", response_id: id, attempt: 0 }, "bad_frame");
            await refused(pub, { type: "PUBLISHED", response_id: id, attempt: 9 }, "bad_frame");
            await refused(pub, { type: "TAKE", max: 21 }, "bad_frame");
            await refused(pub, { type: "TAKE", max: 0 }, "bad_frame");
            await refused(pub, { type: "TAKE", platforms: ["vk", "myspace"] }, "bad_frame");
            await refused(pub, { type: "TAKE", platforms: "vk" }, "bad_frame");
            await refused(alice, { type: "TAKE" }, "forbidden");
            await refused(alice, { type: "PUBLISHED", response_id: id, attempt: 4 }, "forbidden");
            await refused(pub, { type: "UNDO", response_id: id }, "forbidden");
            await refused(
              pub,
              { type: "PUBLISHED", response_id: 999_999, attempt: 1 },
              "not_found",
            );
            await refused(root, { type: "RETRY", response_id: 999_999 }, "not_found");
            assert.equal((await db.events()).length, head, "refusals append nothing");
            const done = await ack(pub, {
              type: "PUBLISHED",
              response_id: id,
              attempt: 4,
              url: "https://t.me/chan/5?comment=9",
            });
            assert.equal(typeof done.seq, "number");
          },
        );

        await t.step(
          "SNAPSHOT carries in_flight (oldest first) and each item's created_at",
          async () => {
            const held = await db.insertResponse();
            await ack(bob, { type: "APPROVED", response_id: held });
            const pendingId = await db.insertResponse();
            const c = await connect(1, "dave");
            const snap = await c.nextOf("SNAPSHOT");
            const item = snap.items.find((i: Frame) => i.response_id === pendingId);
            assert.ok(item, "the pending row is an item");
            assert.ok(!Number.isNaN(Date.parse(item.created_at)));
            const flight = snap.in_flight.find((i: Frame) => i.response_id === held);
            assert.deepEqual(
              { ...flight, decided_at: undefined, undo_until: undefined },
              {
                response_id: held,
                status: "approved",
                decided_by: "bob",
                decided_at: undefined,
                undo_until: undefined,
                publication: null,
              },
            );
            const times = snap.in_flight.map((i: Frame) => Date.parse(i.decided_at));
            assert.deepEqual(times, [...times].sort((a, b) => a - b));
            await c.close();
            // After the window it is queued: in_flight shows its publication.
            await eventOf(alice, (e) => e.event === "queued" && e.response_id === held, QUEUE_WAIT);
            const d = await connect(0, "erin");
            const later = (await d.nextOf("SNAPSHOT")).in_flight.find((i: Frame) =>
              i.response_id === held
            );
            assert.deepEqual(later.publication, {
              state: "queued",
              attempts: 0,
              published_at: null,
              url: null,
              platform_ref: null,
              last_error: null,
            });
            await d.close();
          },
        );

        await t.step("history: original_text, publication, the publication filter", async () => {
          const token = await mintToken("alice", "operator");
          const get = async (query: string) => {
            const res = await fetch(`${servers[0]!.url}/api/history?${query}`, {
              headers: { authorization: `Bearer ${token}` },
            });
            assert.equal(res.status, 200, await res.clone().text());
            return (await res.json()).items as Frame[];
          };
          const published = await get("publication=published");
          assert.ok(published.length >= 12);
          for (const item of published) {
            assert.equal(item.status, "approved");
            assert.equal(item.publication.state, "published");
            assert.ok(item.publication.attempts >= 1);
            assert.ok(!Number.isNaN(Date.parse(item.publication.published_at)));
          }
          const tg = published.find((i) => i.platform === "telegram")!;
          assert.equal(tg.publication.attempts, 4);
          assert.equal(tg.publication.url, "https://t.me/chan/5?comment=9");
          assert.equal(tg.publication.last_error, "HTTP 500");
          const rejections = await get("status=rejected");
          assert.ok(rejections.every((i) => i.publication === null && i.original_text === null));
          const bad = await fetch(`${servers[0]!.url}/api/history?publication=lost`, {
            headers: { authorization: `Bearer ${token}` },
          });
          assert.equal(bad.status, 400);
          assert.match((await bad.json()).message, /publication/);
          // An edited approval shows the proposed text beside the edit.
          const id = await db.insertResponse({ response_text: "as proposed" });
          await ack(alice, { type: "APPROVED", response_id: id, text: "as edited" });
          const [top] = await get("publication=held");
          assert.equal(top?.response_id, id);
          assert.equal(top?.response_text, "as edited");
          assert.equal(top?.original_text, "as proposed");
        });
      }),
  );
}

/** Alternates deciders by position. */
function i0(ids: number[], id: number): boolean {
  return ids.indexOf(id) % 2 === 0;
}
