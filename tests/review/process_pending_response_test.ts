/**
 * `processPendingResponse` and `renderSnapshotItem` on real stores (SQLite,
 * and MariaDB when it answers), made by the production factory; post text
 * from scripted fetchers and, end to end, from a fake Telegram server.
 */
import assert from "node:assert/strict";
import { parse } from "node-html-parser";
import { fetchPostText } from "../../src/review/fetch_post_text.ts";
import { failed, fetched, type FetchResult } from "../../src/review/fetch_result.ts";
import {
  type ProcessPendingDeps,
  processPendingResponse,
  renderSnapshotItem,
} from "../../src/review/process_pending_response.ts";
import { createRenderer } from "../../src/review/render.ts";
import { asResponseId, asSeq, type ResponseId } from "../../src/protocol/types.ts";
import type { AppendResult } from "../../src/store/store.ts";
import {
  closedPort,
  html,
  json,
  recordingSleep,
  startFake,
  telegramEmbed,
} from "./_fake_platforms.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { STORE_KINDS, type StoreCase } from "./_stores.ts";

const renderer = createRenderer();

/** A fetcher answering from a script, recording its calls. */
function scripted(...answers: [FetchResult, ...FetchResult[]]) {
  const calls: Array<[string, string]> = [];
  const fetcher = (platform: string, url: string): Promise<FetchResult> => {
    calls.push([platform, url]);
    return Promise.resolve(answers[Math.min(calls.length - 1, answers.length - 1)] ?? answers[0]);
  };
  return { calls, fetcher };
}

function deps(sc: StoreCase, fetcher: ProcessPendingDeps["fetchPostText"]): ProcessPendingDeps {
  return { store: sc.store, fetchPostText: fetcher, renderer };
}

/** Bob rejects the response (as spam); the decision must be appended. */
async function rejectAsBob(sc: StoreCase, id: ResponseId): Promise<void> {
  const decided = await sc.store.decide({
    responseId: id,
    decision: "rejected",
    by: "bob",
    at: new Date(),
    reason: "spam",
  });
  assert.equal(decided.kind, "appended");
}

/** The pending event's frame, parsed, and its card's HTML parsed. */
function pendingFrame(result: AppendResult) {
  assert.equal(result.kind, "appended", JSON.stringify(result));
  if (result.kind !== "appended") throw new Error("unreachable");
  const frame = JSON.parse(result.event.frame);
  assert.equal(frame.type, "EVENT");
  assert.equal(frame.event, "pending");
  assert.equal(frame.seq, result.event.seq);
  return { frame, card: parse(frame.html) };
}

for (const kind of STORE_KINDS) {
  const test = (name: string, fn: (sc: StoreCase) => Promise<void>) =>
    Deno.test({
      name: `processPendingResponse [${kind.name}]: ${name}`,
      ignore: kind.ignore,
      fn: async () => {
        const sc = await kind.open();
        try {
          await fn(sc);
        } finally {
          await sc.dispose();
        }
      },
    });

  test("fetches the missing text, stores it, and appends the pending event", async (sc) => {
    const id = await sc.insert({ platform: "vk", post_url: "https://vk.com/wall-5_6" });
    const { calls, fetcher } = scripted(fetched("The post ✓"));
    const result = await processPendingResponse(id, deps(sc, fetcher));
    const { frame, card } = pendingFrame(result);
    assert.deepEqual(calls, [["vk", "https://vk.com/wall-5_6"]]);
    assert.equal(frame.response_id, id);
    assert.equal(frame.platform, "vk");
    assert.equal(frame.post_url, "https://vk.com/wall-5_6");
    assert.equal(card.querySelector(".card-post-text")?.text, "The post ✓");
    assert.equal(card.querySelector(".card-reply-text")?.text, "Thank you!");
    assert.equal((await sc.store.getResponse(id))?.post_text, "The post ✓");
    assert.equal(await sc.store.findAnnouncement(id), frame.seq);
    assert.equal(await sc.store.head(), frame.seq);
  });

  test("a row that has its text is not fetched again", async (sc) => {
    const id = await sc.insert({ post_text: "stored text" });
    const { calls, fetcher } = scripted(fetched("fresh text"));
    const { card } = pendingFrame(await processPendingResponse(id, deps(sc, fetcher)));
    assert.equal(calls.length, 0);
    assert.equal(card.querySelector(".card-post-text")?.text, "stored text");
  });

  test("a failed fetch still appends the event, the card saying the text is unavailable", async (sc) => {
    const id = await sc.insert();
    const { fetcher } = scripted(failed("timeout", "no answer in time"));
    const { card } = pendingFrame(await processPendingResponse(id, deps(sc, fetcher)));
    assert.ok(card.querySelector(".card-post--unavailable"));
    assert.equal((await sc.store.getResponse(id))?.post_text, null);
  });

  test("a fetcher that throws does not lose the response either", async (sc) => {
    const id = await sc.insert();
    const fetcher = () => Promise.reject(new Error("fetcher bug"));
    const { card } = pendingFrame(await processPendingResponse(id, deps(sc, fetcher)));
    assert.ok(card.querySelector(".card-post--unavailable"));
  });

  test("a second SR is a duplicate with the original seq and appends nothing", async (sc) => {
    const id = await sc.insert();
    const { calls, fetcher } = scripted(fetched("text"));
    const first = await processPendingResponse(id, deps(sc, fetcher));
    assert.equal(first.kind, "appended");
    const seq = first.kind === "appended" ? first.event.seq : -1;
    const second = await processPendingResponse(id, deps(sc, fetcher));
    assert.deepEqual(second, { kind: "duplicate", seq });
    assert.equal(calls.length, 1, "the text was stored, so no second fetch");
    assert.equal(await sc.store.head(), seq);
  });

  test("a duplicate SR retries a failed fetch and stores the text for the next SNAPSHOT", async (sc) => {
    const id = await sc.insert();
    const { calls, fetcher } = scripted(failed("http_error", "HTTP 503"), fetched("late text"));
    const first = await processPendingResponse(id, deps(sc, fetcher));
    const seq = first.kind === "appended" ? first.event.seq : -1;
    assert.ok(
      parse(first.kind === "appended" ? JSON.parse(first.event.frame).html : "")
        .querySelector(".card-post--unavailable"),
    );

    const second = await processPendingResponse(id, deps(sc, fetcher));
    assert.deepEqual(second, { kind: "duplicate", seq });
    assert.equal(calls.length, 2);
    assert.equal(await sc.store.head(), seq, "no second event");
    const snapshot = await sc.store.snapshot();
    const row = snapshot.rows.find((r) => r.id === id);
    assert.ok(row);
    const item = renderSnapshotItem(row, renderer);
    assert.equal(parse(item.html).querySelector(".card-post-text")?.text, "late text");
  });

  test("an unknown id is not_found and nothing is fetched", async (sc) => {
    const { calls, fetcher } = scripted(fetched("x"));
    const result = await processPendingResponse(asResponseId(987654), deps(sc, fetcher));
    assert.deepEqual(result, { kind: "not_found" });
    assert.equal(calls.length, 0);
    assert.equal(await sc.store.head(), 0);
  });

  test("a decided response is not_pending with its status and decider", async (sc) => {
    const id = await sc.insert({ status: "approved", decided_by: "alice" });
    const { calls, fetcher } = scripted(fetched("x"));
    const result = await processPendingResponse(id, deps(sc, fetcher));
    assert.deepEqual(result, { kind: "not_pending", status: "approved", decidedBy: "alice" });
    assert.equal(calls.length, 0);
  });

  test("a decision made while the text is fetched wins: no pending event", async (sc) => {
    const id = await sc.insert();
    const fetcher = async () => {
      await rejectAsBob(sc, id);
      return fetched("too late");
    };
    const result = await processPendingResponse(id, deps(sc, fetcher));
    assert.deepEqual(result, { kind: "not_pending", status: "rejected", decidedBy: "bob" });
    const events = await sc.store.readSince(asSeq(0), 10);
    assert.deepEqual(events.map((e) => e.kind), ["rejected"]);
  });

  test("a row another module put back to pending after its decision is announced anew", async (sc) => {
    const id = await sc.insert({ post_text: "stored" });
    const { fetcher } = scripted(fetched("x"));
    const first = pendingFrame(await processPendingResponse(id, deps(sc, fetcher))).frame.seq;
    await rejectAsBob(sc, id);
    await sc.reopen(id);
    const again = pendingFrame(await processPendingResponse(id, deps(sc, fetcher))).frame.seq;
    assert.equal(again, first + 2, "a new pending event after the decision's");
    assert.deepEqual(await processPendingResponse(id, deps(sc, fetcher)), {
      kind: "duplicate",
      seq: again,
    });
  });

  test("concurrent SRs for one response append exactly one event", async (sc) => {
    const id = await sc.insert();
    const { fetcher } = scripted(fetched("text"));
    const results = await Promise.all(
      Array.from({ length: 5 }, () => processPendingResponse(id, deps(sc, fetcher))),
    );
    const appended = results.filter((r) => r.kind === "appended");
    assert.equal(appended.length, 1);
    const seq = appended[0]!.kind === "appended" ? appended[0]!.event.seq : -1;
    for (const r of results.filter((r) => r.kind !== "appended")) {
      assert.deepEqual(r, { kind: "duplicate", seq });
    }
    assert.equal(await sc.store.head(), seq);
  });

  test("end to end: markup in a Telegram post arrives escaped in the event and the snapshot", async (sc) => {
    const evil = "&lt;img src=x onerror=alert(1)&gt;<br>second line";
    const server = startFake(() => html(telegramEmbed(evil)));
    try {
      const fetchDeps = {
        vk: { apiBase: server.base, token: "", version: "5.199" },
        telegramBase: server.base,
        timeoutMs: 2000,
        sleep: recordingSleep().sleep,
      };
      const id = await sc.insert({
        platform: "telegram",
        post_url: "https://t.me/chan/42",
        author: "<script>alert(2)</script>",
        response_text: "<b>reply</b>",
      });
      const result = await processPendingResponse(id, {
        store: sc.store,
        renderer,
        fetchPostText: (platform, url) => fetchPostText(platform, url, fetchDeps),
      });
      const { card } = pendingFrame(result);
      assert.equal(server.requests.length, 1);
      assert.equal(server.requests[0]!.path, "/chan/42");
      assert.equal(card.querySelectorAll("img, script, b").length, 0);
      const text = "<img src=x onerror=alert(1)>\nsecond line";
      assert.equal(card.querySelector(".card-post-text")?.text, text);
      assert.equal(card.querySelector(".card-author-name")?.text, "<script>alert(2)</script>");
      assert.equal((await sc.store.getResponse(id))?.post_text, text);

      const [row] = (await sc.store.snapshot()).rows;
      assert.ok(row, "the announced row is in the snapshot");
      const item = renderSnapshotItem(row, renderer);
      assert.deepEqual(
        { response_id: item.response_id, platform: item.platform, post_url: item.post_url },
        { response_id: id, platform: "telegram", post_url: "https://t.me/chan/42" },
      );
      assert.equal(parse(item.html).querySelectorAll("img, script, b").length, 0);
      assert.equal(parse(item.html).querySelector(".card-post-text")?.text, text);
    } finally {
      await server.close();
    }
  });

  test("an unknown platform does not crash: bad_url, and the card still renders", async (sc) => {
    const id = await sc.insert({ platform: "facebook", post_url: "https://facebook.com/p/1" });
    const seen: FetchResult[] = [];
    const fetchDeps = {
      vk: { apiBase: "http://127.0.0.1:9", token: "t", version: "5.199" },
      telegramBase: "http://127.0.0.1:9",
      timeoutMs: 500,
    };
    const result = await processPendingResponse(id, {
      store: sc.store,
      renderer,
      fetchPostText: async (platform, url) => {
        const r = await fetchPostText(platform, url, fetchDeps);
        seen.push(r);
        return r;
      },
    });
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.ok ? "ok" : seen[0]!.reason, "bad_url");
    const { frame, card } = pendingFrame(result);
    assert.equal(frame.platform, "facebook");
    assert.equal(card.querySelector(".card-platform")?.text, "facebook");
    assert.ok(card.querySelector(".card-post--unavailable"));
  });

  test("the VK token never reaches the log, whatever fails", async (sc) => {
    const token = "vk1.a.TOP-SECRET";
    const lines: string[] = [];
    const logger = createLogger("debug", (line) => lines.push(line));
    const echo = startFake((req) =>
      json({ error: { error_code: 5, error_msg: `bad ${new URL(req.url).search}` } })
    );
    try {
      for (const base of [echo.base, `http://127.0.0.1:${closedPort()}`]) {
        const id = await sc.insert({ platform: "vk", post_url: "https://vk.com/wall-1_2" });
        const fetchDeps = {
          vk: { apiBase: base, token, version: "5.199" },
          telegramBase: base,
          timeoutMs: 1000,
          sleep: recordingSleep().sleep,
        };
        const result = await processPendingResponse(id, {
          store: sc.store,
          renderer,
          logger,
          fetchPostText: (platform, url) => fetchPostText(platform, url, fetchDeps),
        });
        assert.equal(result.kind, "appended");
      }
      assert.equal(echo.requests[0]!.params.get("access_token"), token, "the token was sent");
      assert.ok(lines.length >= 2, "both failures were logged");
      for (const line of lines) assert.ok(!line.includes(token), line);
    } finally {
      await echo.close();
    }
  });

  test("renderSnapshotItem renders the row as it stands, without fetching", async (sc) => {
    const withText = await sc.insert({
      post_text: "kept",
      created_at: new Date(Date.now() - 1000),
    });
    const without = await sc.insert({ post_text: null });
    const { rows } = await sc.store.snapshot();
    assert.deepEqual(rows.map((r) => r.id), [withText, without]);
    const [a, b] = rows.map((r) => renderSnapshotItem(r, renderer));
    assert.ok(a && b, "two rows rendered");
    assert.equal(parse(a.html).querySelector(".card-post-text")?.text, "kept");
    assert.ok(parse(b.html).querySelector(".card-post--unavailable"));
    assert.equal(await sc.store.head(), 0, "rendering appends nothing");
  });
}
