/**
 * Keeps the benchmark harness from rotting: runs `bench/run.ts` in quick mode
 * against the bare Deno peer (S1, S2, S6) and checks that every figure came
 * out. Speed is never asserted here; only that the harness measures.
 * @module
 */

function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new Error(msg);
}

function assertEquals(actual: unknown, expected: unknown, msg = ""): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${msg} expected ${e}, got ${a}`);
}

const RUN = new URL("../../bench/run.ts", import.meta.url).pathname;

Deno.test("bench harness: quick run against the bare Deno peer produces S1, S2 and S6", async () => {
  const out = await Deno.makeTempDir({ prefix: "bench_test_" });
  try {
    const proc = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-run",
        "--allow-read",
        "--allow-write",
        "--allow-net=127.0.0.1",
        "--allow-env",
        "--allow-sys",
        RUN,
      ],
      env: {
        BENCH_QUICK: "1",
        BENCH_TARGETS: "bare-deno",
        BENCH_SCENARIOS: "S1,S2,S6",
        BENCH_ROUNDS: "2",
        BENCH_OUT: out,
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const log = new TextDecoder().decode(proc.stderr);
    assert(proc.success, `bench/run.ts failed:\n${log}`);
    const r = JSON.parse(await Deno.readTextFile(`${out}/latest-quick.json`));
    assertEquals(r.targets.length, 1);
    const t = r.targets[0];
    assertEquals(t.errors, []);
    assertEquals(t.idle.s1.length, 2);
    for (const s1 of t.idle.s1) {
      assertEquals(s1.delivered, s1.expected, "every client received every event");
      assert(s1.p99.median > 0 && s1.cpuMs.median > 0);
    }
    assert(t.idle.s2.every((m: { perConnKiB: { median: number } }) => m.perConnKiB.median > 0));
    assertEquals(t.idle.s6.lost, 0);
    assert(t.idle.s6.p99.median > 0);
    assert((await Deno.readTextFile(`${out}/latest-quick.md`)).includes("| bare-deno |"));
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
