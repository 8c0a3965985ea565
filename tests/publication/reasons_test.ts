import assert from "node:assert/strict";
import { FAILURE_BUCKETS, failureBucket } from "../../src/publication/reasons.ts";

Deno.test("failure reasons fall in a fixed set of buckets", () => {
  const table: [string, string][] = [
    ["HTTP 429 Too Many Requests", "rate_limited"],
    ["flood control: wait 30 s", "rate_limited"],
    ["request timed out after 10s", "timeout"],
    ["401 Unauthorized", "auth"],
    ["access token expired", "auth"],
    ["post not found (404)", "not_found"],
    ["ECONNRESET", "network"],
    ["HTTP 502 Bad Gateway", "server_error"],
    ["lease lapsed with no report", "lease_lapsed"],
    ["the moon is in the wrong phase", "other"],
    ["", "other"],
  ];
  for (const [reason, bucket] of table) assert.equal(failureBucket(reason), bucket, reason);
  // Whatever a module sends, the label comes from the fixed set.
  for (let i = 0; i < 1000; i++) {
    const random = crypto.randomUUID() + String.fromCharCode(i);
    assert.ok((FAILURE_BUCKETS as readonly string[]).includes(failureBucket(random)));
  }
  assert.equal(failureBucket("x".repeat(100_000) + "429"), "other", "only the first 1024 count");
});
