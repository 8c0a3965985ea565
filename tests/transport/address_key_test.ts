import assert from "node:assert/strict";
import { addressKey, ConnectionBudget } from "../../src/transport/budget.ts";

Deno.test("IPv4 is counted per address, IPv6 per /64 (one host holds a /64)", () => {
  assert.equal(addressKey("192.0.2.1"), "192.0.2.1");
  assert.equal(addressKey("::ffff:192.0.2.1"), "192.0.2.1");
  assert.equal(addressKey("2001:db8::1"), addressKey("2001:db8:0:0:ffff:1:2:3"));
  assert.equal(addressKey("[2001:db8:1:2::1]"), "2001:db8:1:2::/64");
  assert.notEqual(addressKey("2001:db8:0:1::1"), addressKey("2001:db8:0:2::1"));
  assert.equal(addressKey("fe80::1%eth0"), addressKey("fe80::2"));
});

Deno.test("a /64 shares one per-address share of pending connections", () => {
  const b = new ConnectionBudget({ maxSockets: 100, maxPending: 100, maxPendingPerAddress: 2 });
  assert.equal(typeof b.admit("2001:db8::1", false), "object");
  assert.equal(typeof b.admit("2001:db8::2", false), "object");
  assert.equal(b.admit("2001:db8::3", false), "address");
  assert.equal(typeof b.admit("2001:db8:0:1::1", false), "object", "another /64");
  assert.equal(b.pendingOf("2001:db8::ffff"), 2);
});
