import assert from "node:assert/strict";
import { ConnectionBudget, type Counted } from "../../src/transport/budget.ts";
import { openFileLimit, probeOpenFileLimit, resolveLimits } from "../../src/transport/fd_limit.ts";

Deno.test("budget: sockets, pending and pending per address are each a limit", () => {
  const b = new ConnectionBudget({ maxSockets: 5, maxPending: 3, maxPendingPerAddress: 2 });
  const a1 = b.admit("10.0.0.1", false) as Counted;
  b.admit("10.0.0.1", false);
  assert.equal(b.admit("10.0.0.1", false), "address");
  const other = b.admit("10.0.0.2", false) as Counted;
  assert.equal(b.admit("10.0.0.3", false), "pending");
  // Welcomed connections free their pending slot but keep their socket.
  b.welcome(a1);
  b.welcome(other);
  assert.equal(b.pending, 1);
  assert.equal(b.pendingOf("10.0.0.1"), 1);
  b.admit("10.0.0.3", false);
  b.admit("10.0.0.4", false);
  assert.equal(b.open, 5);
  assert.equal(b.admit("10.0.0.5", false), "sockets");
  b.release(other);
  b.release(other); // twice is once
  assert.equal(b.open, 4);
});

Deno.test("budget: a trusted proxy is counted per client address once it is known", () => {
  const b = new ConnectionBudget({ maxSockets: 10, maxPending: 10, maxPendingPerAddress: 1 });
  const c1 = b.admit("proxy", true) as Counted;
  const c2 = b.admit("proxy", true) as Counted;
  assert.equal(b.pendingOf("proxy"), 0);
  assert.equal(b.reassign(c1, "1.1.1.1"), true);
  assert.equal(b.reassign(c2, "1.1.1.1"), false);
  assert.equal(b.reassign(c2, "2.2.2.2"), true);
  b.release(c1);
  b.release(c2);
  assert.equal(b.pendingOf("1.1.1.1"), 0);
  assert.equal(b.pending, 0);
});

Deno.test("limits derive from the open-file limit, with a reserve, and clamp what it cannot hold", () => {
  const at20k = resolveLimits(
    { maxConnections: null, maxPendingConnections: null, maxPendingPerAddress: 256 },
    20_000,
  );
  assert.equal(at20k.reserve, 400);
  assert.equal(at20k.maxSockets, 19_600);
  assert.ok(at20k.maxConnections >= 19_000 && at20k.maxConnections < at20k.maxSockets);
  assert.ok(at20k.maxPending >= 9_000, "a storm of every welcomed client fits");
  const at400 = resolveLimits(
    { maxConnections: 5000, maxPendingConnections: null, maxPendingPerAddress: 256 },
    400,
  );
  assert.ok(at400.maxConnections < 400 - 64);
  assert.match(at400.warning ?? "", /MAX_CONNECTIONS=5000.*ulimit -n/);
  const asked = resolveLimits(
    { maxConnections: 60, maxPendingConnections: 20, maxPendingPerAddress: 5 },
    20_000,
  );
  assert.deepEqual([asked.maxConnections, asked.maxPending, asked.warning], [60, 20, null]);
});

Deno.test("the open-file limit is read from /proc/self/limits", () => {
  const text =
    "Limit  Soft Limit  Hard Limit  Units\nMax open files            1024                 524288               files\n";
  assert.equal(openFileLimit(() => text), 1024);
  assert.equal(openFileLimit(() => "Max open files  unlimited unlimited files\n"), null);
  assert.equal(
    openFileLimit(() => {
      throw new Error("no /proc");
    }),
    null,
  );
});

Deno.test("the open-file limit can be measured by opening descriptors until none is left", () => {
  let open = 0;
  const fake = () => {
    if (open >= 100) throw new Error("EMFILE");
    open++;
    return { close: () => open-- };
  };
  assert.equal(probeOpenFileLimit(fake), 116);
  assert.equal(open, 0, "every probe descriptor is closed again");
  const real = probeOpenFileLimit();
  assert.ok(real !== null && real > 1000, `measured ${real}`);
});
