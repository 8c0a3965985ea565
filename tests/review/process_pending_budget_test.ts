/**
 * One `SR` answers within `DB_TIMEOUT_MS` in all, not per database call:
 * `processPendingResponse` with a database that answers each call slowly
 * but within the per-call bound (fake time, a scripted store).
 */
import assert from "node:assert/strict";
import { processPendingResponse } from "../../src/review/process_pending_response.ts";
import { fetched } from "../../src/review/fetch_result.ts";
import { createRenderer } from "../../src/review/render.ts";
import { asResponseId, asSeq } from "../../src/protocol/types.ts";
import {
  type AppendResult,
  type ResponseRow,
  type Store,
  StoreUnavailableError,
} from "../../src/store/store.ts";
import { FakeClock } from "../_support/fake_clock.ts";

const row: ResponseRow = {
  id: asResponseId(7),
  platform: "telegram",
  post_url: "https://t.me/c/1",
  post_text: null,
  author: null,
  response_text: "a reply",
  status: "pending",
  created_at: new Date(0),
  decided_at: null,
  decided_by: null,
  reason: null,
};

/** A store whose every call takes `ms` of fake time; records the calls. */
function slowStore(clock: FakeClock, ms: number) {
  const calls: string[] = [];
  const later = <T>(name: string, value: T) => {
    calls.push(name);
    return new Promise<T>((resolve) => clock.setTimeout(() => resolve(value), ms));
  };
  const store = {
    announcementState: () => later("announcementState", { row, seq: null }),
    setPostText: () => later("setPostText", undefined),
    announce: () => later<AppendResult>("announce", { kind: "duplicate", seq: asSeq(1) }),
  } as unknown as Store;
  return { store, calls };
}

/** Advances fake time in steps until `p` settles; returns how much time passed. */
async function run<T>(
  clock: FakeClock,
  p: Promise<T>,
): Promise<{ ms: number; outcome: T | Error }> {
  let outcome: T | Error | undefined;
  let done = false;
  p.then((v) => (outcome = v), (e: Error) => (outcome = e)).finally(() => (done = true));
  const start = clock.now();
  while (!done && clock.now() - start < 60_000) {
    await new Promise((r) => setTimeout(r, 0));
    if (!done) clock.tick(100);
  }
  return { ms: clock.now() - start, outcome: outcome! };
}

Deno.test("database calls of 3 s each: unavailable at 5 s in all, not after 6 s", async () => {
  const clock = new FakeClock();
  const { store, calls } = slowStore(clock, 3000);
  const { ms, outcome } = await run(
    clock,
    processPendingResponse(asResponseId(7), {
      store,
      fetchPostText: () => Promise.resolve(fetched("the post")),
      renderer: createRenderer(),
      dbBudgetMs: 5000,
      clock,
    }),
  );
  assert.ok(outcome instanceof StoreUnavailableError, String(outcome));
  assert.match(outcome.message, /DB_TIMEOUT_MS/);
  assert.ok(ms >= 5000 && ms <= 5200, `answered after ${ms} ms`);
  assert.deepEqual(calls, ["announcementState", "announce"]);
});

Deno.test("calls that fit the budget together complete the announcement", async () => {
  const clock = new FakeClock();
  const { store, calls } = slowStore(clock, 2400);
  const { outcome } = await run(
    clock,
    processPendingResponse(asResponseId(7), {
      store,
      fetchPostText: () => Promise.resolve(fetched("the post")),
      renderer: createRenderer(),
      dbBudgetMs: 5000,
      clock,
    }),
  );
  assert.deepEqual(outcome, { kind: "duplicate", seq: 1 });
  assert.deepEqual(calls, ["announcementState", "announce"]);
});
