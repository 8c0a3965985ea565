import assert from "node:assert/strict";
import { PerSecondCount } from "../../src/async/per_second_count.ts";

Deno.test("PerSecondCount: counts within a second from the first event, then starts again", () => {
  const c = new PerSecondCount();
  assert.equal(c.count(5_000), 0);
  c.add(5_000);
  c.add(5_500);
  c.add(5_999);
  assert.equal(c.count(5_999), 3);
  assert.equal(c.count(6_000), 0, "a second after the window began: a new one");
  c.add(6_100);
  assert.equal(c.count(6_999), 1);
});
