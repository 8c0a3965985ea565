import assert from "node:assert/strict";
import { claimHolds } from "../../src/protocol/claim_lapse.ts";
import { isLive } from "../../src/claims/lease.ts";
import { asResponseId, asSafeHtml } from "../../src/protocol/types.ts";
import { isClaimLive } from "../../web/sdk/pending_feed.ts";
import { ClaimTable, isLive as pageIsLive, parseClaim } from "../../web/page/claims.ts";

const UNTIL = Date.parse("2026-03-04T05:07:07.000Z");

Deno.test("a claim holds one ms before its until and lapses at its until exactly", () => {
  assert.equal(claimHolds(UNTIL, UNTIL - 1), true);
  assert.equal(claimHolds(UNTIL, UNTIL), false, "the boundary: until itself is lapsed (<, not ≤)");
  assert.equal(claimHolds(UNTIL, UNTIL + 1), false);
});

Deno.test("a claim whose until does not parse never holds", () => {
  assert.equal(claimHolds(Date.parse("not a time"), UNTIL), false);
});

Deno.test("the server's lease, the SDK's pending item and the page's claim table lapse at the same ms", () => {
  for (const now of [UNTIL - 1, UNTIL, UNTIL + 1]) {
    const rule = claimHolds(UNTIL, now);
    const iso = new Date(UNTIL).toISOString();
    assert.equal(isLive({ holder: "bob", until: new Date(UNTIL) }, now), rule, `lease at ${now}`);
    const item = {
      response_id: asResponseId(1),
      platform: "vk" as const,
      post_url: "https://vk.com/wall1_1",
      html: asSafeHtml("<p>x</p>"),
      claimed_by: "bob",
      claim_until: iso,
    };
    assert.equal(isClaimLive(item, now), rule, `SDK at ${now}`);
    assert.equal(pageIsLive(parseClaim("bob", iso), now), rule, `page at ${now}`);
    const table = new ClaimTable();
    table.set(1, parseClaim("bob", iso));
    assert.deepEqual(table.expire(now), rule ? [] : [1], `page table at ${now}`);
  }
});
