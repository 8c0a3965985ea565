import assert from "node:assert/strict";
import { RateLimiter, TokenBucket } from "../../src/connection/rate_limit.ts";

Deno.test("token bucket admits the burst, then the rate", () => {
  const b = new TokenBucket(2, 3, 0);
  assert.deepEqual([b.take(0), b.take(0), b.take(0), b.take(0)], [true, true, true, false]);
  assert.equal(b.take(499), false);
  assert.equal(b.take(500), true);
  assert.equal(b.take(10_000), true, "refills");
  assert.equal(b.take(10_000), true);
  assert.equal(b.take(10_000), true);
  assert.equal(b.take(10_000), false, "never above the burst");
});

Deno.test("rate limiter keeps one bucket per key and forgets the oldest past its size", () => {
  const r = new RateLimiter(1, 1, 2);
  assert.equal(r.take("a", 0), true);
  assert.equal(r.take("a", 0), false);
  assert.equal(r.take("b", 0), true);
  assert.equal(r.take("c", 0), true);
  assert.equal(r.take("a", 0), true, "a was forgotten, so it starts full");
});
