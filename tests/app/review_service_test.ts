import assert from "node:assert/strict";
import { ReviewService } from "../../src/app/review_service.ts";
import { systemClock } from "../../src/clock.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { fetched as success, type FetchResult } from "../../src/review/fetch_result.ts";
import { createRenderer } from "../../src/review/render.ts";
import { STORE_KINDS } from "../review/_stores.ts";

const sqlite = STORE_KINDS.find((k) => k.name === "sqlite")!;

Deno.test("an SR is timed and announced; the scanner's announcement is not timed", async () => {
  const sc = await sqlite.open();
  try {
    const begun: number[] = [];
    const fetched: string[] = [];
    const review = new ReviewService({
      store: sc.store,
      fetchPostText: (_platform, url): Promise<FetchResult> => {
        fetched.push(url);
        return Promise.resolve(success("the post"));
      },
      renderer: createRenderer(),
      logger: createLogger("error"),
      observer: { begin: (id) => begun.push(id) },
      dbTimeoutMs: 5000,
      clock: systemClock,
    });
    const first = await sc.insert({ post_url: "https://vk.com/wall-1_1" });
    const second = await sc.insert({ post_url: "https://vk.com/wall-1_2" });
    const { process, announce } = review; // handed on unbound, as CommandDeps and the scanner take them
    const sr = await process(first);
    assert.equal(sr.kind, "appended");
    assert.deepEqual(begun, [first]);
    const scanned = await announce(second);
    assert.equal(scanned.kind, "appended");
    assert.deepEqual(begun, [first], "the scanner's announcement is not an SR");
    assert.deepEqual(fetched, ["https://vk.com/wall-1_1", "https://vk.com/wall-1_2"]);
  } finally {
    await sc.dispose();
  }
});
