import assert from "node:assert/strict";
import { PeerRate, peerRateLimits, VIOLATION_WINDOW_MS } from "../../src/transport/peer_rate.ts";

Deno.test("limits: 4 KiB a second per frame a second, a byte burst of at least 4 messages", () => {
  const l = peerRateLimits(100, 200, 65536);
  assert.equal(l.bytesPerSec, 409_600);
  assert.equal(l.bytesBurst, 819_200);
  assert.equal(peerRateLimits(1, 1, 65536).bytesBurst, 4 * 65536);
});

Deno.test("frames are refused past the burst, then admitted at the rate", () => {
  const r = new PeerRate(peerRateLimits(10, 5, 1024), 0);
  for (let i = 0; i < 5; i++) assert.ok(r.take(0));
  assert.ok(!r.take(0));
  assert.ok(r.take(100), "one frame's worth after 100 ms at 10/s");
  assert.ok(!r.take(100));
});

Deno.test("bytes in debt refuse frames until paid back, whatever the frame count", () => {
  const r = new PeerRate(peerRateLimits(100, 200, 1024), 0);
  r.chargeBytes(819_200 + 100_000, 0); // more than the burst
  assert.ok(!r.take(0), "in debt");
  assert.ok(!r.take(100), "40 KB paid back of 100 KB");
  assert.ok(r.take(300));
});

Deno.test("the debt is capped, so a peer that stops recovers in bounded time", () => {
  const r = new PeerRate(peerRateLimits(100, 200, 1024), 0);
  r.chargeBytes(1e12, 0);
  assert.ok(r.take(4000), "burst / rate = 2 s to pay back at most, then refill");
});

Deno.test("violations close at the maximum within the window; the window resets", () => {
  const r = new PeerRate(peerRateLimits(1, 1, 1024, 3), 0);
  assert.ok(!r.violation(0));
  assert.ok(!r.violation(1));
  assert.ok(r.violation(2));
  assert.ok(!r.violation(VIOLATION_WINDOW_MS + 10), "a new window");
  assert.equal(r.violations, 1);
  assert.ok(!r.violation(VIOLATION_WINDOW_MS + 11, 5));
});
