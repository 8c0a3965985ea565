import assert from "node:assert/strict";
import { tallyFrames } from "../../bench/perf_frames.ts";

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
