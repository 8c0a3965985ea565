/**
 * The SDK's v1.2 surface against the real server (SQLite), two processes:
 * `undo()` and its typed errors, `retry()`, and the `Publisher` loop of
 * two modules — each approval published once, a failing platform retried
 * with the backoff, a job after an unreported attempt marked maybe_applied.
 */
import assert from "node:assert/strict";
import { mintToken } from "../_support/server.ts";
import { SQLITE } from "../integration/backends.ts";
import {
  BadStateError,
  connect,
  type PublicationJob,
  Publisher,
  type PublishOutcome,
  type ReviewClient,
  TooLateError,
} from "../../web/sdk/mod.ts";
import { reach, startHub } from "./_live.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

Deno.test(
  { name: "SDK: undo, retry and two Publishers against two real processes", ...opts },
  async () => {
    const hub = await startHub(SQLITE, {
      UNDO_WINDOW_MS: "600",
      PUBLISH_LEASE_MS: "1000",
      PUBLISH_RETRY_BASE_MS: "100",
      PUBLISH_MAX_ATTEMPTS: "3",
    });
    const sibling = await hub.sibling();
    const clients: ReviewClient[] = [];
    const publishers: Publisher[] = [];
    try {
      const alice = connect(hub.server.wsUrl, { token: await mintToken("alice", "operator") });
      const root = connect(sibling.wsUrl, { token: await mintToken("root", "admin") });
      const modA = connect(hub.server.wsUrl, { token: await mintToken("pub-a", "module") });
      const modB = connect(sibling.wsUrl, { token: await mintToken("pub-b", "module") });
      clients.push(alice, root, modA, modB);

      // undo(): within the window, then typed errors.
      const id = await hub.db.insertResponse({ response_text: "proposed" });
      await alice.approve(id, "edited");
      const undone = await alice.undo(id);
      await reach(alice, undone.seq!);
      assert.ok(alice.pending.has(id), "the reopened card is pending again");
      await assert.rejects(
        alice.undo(id),
        (e) => e instanceof BadStateError && e.state === "pending",
      );
      await alice.approve(id);
      await sleep(700);
      await assert.rejects(alice.undo(id), TooLateError);

      // Two publishers; the platform fails each reply's first attempt, and
      // "loses" one success (posts, then throws: the lease lapses).
      const posted = new Map<number, number>();
      const seen: PublicationJob[] = [];
      let lost = false;
      const platform = (who: string) => async (job: PublicationJob): Promise<PublishOutcome> => {
        seen.push(job);
        if (job.attempt === 1) return { kind: "failed", reason: "HTTP 502 from the platform" };
        if (!lost && !job.maybe_applied) {
          lost = true;
          posted.set(job.response_id, (posted.get(job.response_id) ?? 0) + 1);
          await sleep(1500); // past the lease: the hub re-queues it
          throw new Error(`${who} lost the answer`);
        }
        if (job.maybe_applied && posted.has(job.response_id)) {
          return { kind: "published", url: `https://vk.com/wall-1_1?reply=${job.response_id}` };
        }
        posted.set(job.response_id, (posted.get(job.response_id) ?? 0) + 1);
        return { kind: "published", url: `https://vk.com/wall-1_1?reply=${job.response_id}` };
      };
      for (const [client, who] of [[modA, "a"], [modB, "b"]] as const) {
        const p = new Publisher(client, platform(who));
        p.start();
        publishers.push(p);
      }
      const ids = [id];
      for (let i = 0; i < 5; i++) {
        const r = await hub.db.insertResponse();
        await alice.approve(r);
        ids.push(r);
      }
      const published = new Set<number>();
      alice.on("published", (e) => published.add(e.response_id));
      await until("every approval published", () => ids.every((r) => published.has(r)), 20_000);
      for (const r of ids) assert.equal(posted.get(r), 1, `response ${r} posted once`);
      assert.ok(seen.some((j) => j.maybe_applied), "a job after the lost answer was maybe_applied");
      // The `published` EVENT reaching Alice and the ACK reaching the module that
      // reported it are two deliveries on two connections, in no set order: the
      // publisher counts a job once its report is acknowledged.
      const reported = () => publishers.reduce((n, p) => n + p.stats.published, 0);
      await until("every report acknowledged", () => reported() >= ids.length, 5_000);
      assert.equal(reported(), ids.length);

      // retry(): an admin's, on a final failure.
      await Promise.all(publishers.map((p) => p.stop()));
      const failing = await hub.db.insertResponse();
      await alice.approve(failing);
      const queued = await modA.once("queued", (e) => e.response_id === failing);
      assert.equal(queued.attempt, 1);
      const [job] = await modA.take({ max: 5 });
      assert.equal(job?.response_id, failing);
      await modA.publishFailed(failing, 1, "account banned", { retryable: false });
      await assert.rejects(
        alice.retry(failing),
        (e) => (e as { code: string }).code === "forbidden",
      );
      const retried = await root.retry(failing);
      assert.equal(typeof retried.seq, "number");
      await assert.rejects(
        root.retry(failing),
        (e) => e instanceof BadStateError && e.state === "queued",
      );
    } finally {
      await Promise.all(publishers.map((p) => p.stop()));
      for (const c of clients) c.close();
      await sibling.stop().catch(() => 0);
      await hub.dispose();
    }
  },
);
