import assert from "node:assert/strict";
import { tallyFrames, withinWindows } from "../../bench/perf_frames.ts";

const script = `
\t    7f01 __vdso_clock_gettime ([vdso])
\t    1df092f [unknown] (/x/deno)
\t    7f02 JS:+'spend file:///a/wait_budget.ts:33:18 (/tmp/perf-1.map)
\t    7f03 JS:+'process file:///a/review service.ts:19:17 (/tmp/perf-1.map)

\t    7f04 JS:*'all file:///a/sqlite_store.ts:67:10 (/tmp/perf-1.map)
\t    7f03 JS:+'process file:///a/review service.ts:19:17 (/tmp/perf-1.map)
\t    7f03 JS:+'process file:///a/review service.ts:19:17 (/tmp/perf-1.map)

\t    ffff81 tcp_v4_rcv ([kernel.kallsyms])
\t    ffff82 ip_local_deliver ([kernel.kallsyms])
`;

Deno.test("perf_frames: each sample goes to its innermost JS frame, inclusively to every JS frame once, else to its native leaves", () => {
  const t = tallyFrames(script);
  assert.equal(t.samples, 3);
  assert.deepEqual([...t.innermost], [
    ["JS:+'spend file:///a/wait_budget.ts:33:18", 1],
    ["JS:*'all file:///a/sqlite_store.ts:67:10", 1],
  ]);
  assert.equal(
    t.inclusive.get("JS:+'process file:///a/review service.ts:19:17"),
    2,
    "once per stack",
  );
  assert.deepEqual([...t.native], [["tcp_v4_rcv < ip_local_deliver", 1]]);
});

Deno.test("perf_frames: --windows keeps the stacks timed inside a window, without their time line", () => {
  const timed = `
deno  1700000000.001500000:
\t    7f01 JS:+'a file:///a.ts:1:1 (/tmp/perf-1.map)

deno  1700000000.003000000:
\t    7f02 JS:+'b file:///b.ts:1:1 (/tmp/perf-1.map)

  1700000000.010000000:
\t    7f03 JS:+'c file:///c.ts:1:1 (/tmp/perf-1.map)
`;
  const kept = withinWindows(timed, [[1700000000009, 1700000000011], [
    1700000000001,
    1700000000002,
  ]]);
  const t = tallyFrames(kept);
  assert.equal(t.samples, 2);
  assert.deepEqual([...t.innermost.keys()], ["JS:+'a file:///a.ts:1:1", "JS:+'c file:///c.ts:1:1"]);
  assert.equal(tallyFrames(withinWindows(timed, [])).samples, 0);
});
