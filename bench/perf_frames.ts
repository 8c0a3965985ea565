/**
 * Reads `perf script` call stacks and names the JavaScript behind native
 * time: `perf report` charges a sample to its leaf, which for our server is
 * mostly an unnamed address in the stripped deno binary (V8's builtins,
 * Deno's ops, tokio) or the kernel. Here each sample goes to the innermost
 * JavaScript frame on its stack (the function whose call led there), and
 * every JavaScript function on a stack gets it inclusively; samples with no
 * JavaScript frame at all (the event loop, V8's threads, the kernel's
 * softirqs) are grouped by their four leaf frames.
 *
 * ```sh
 * perf script -i bench/results/profiles/ours-fanout-10.perf.data --pid <pid> -F ip,sym,dso \
 *   | deno run bench/perf_frames.ts [top=35]
 * ```
 * With `--windows <file>` (lines of "from to", ms since the epoch, as
 * `bench:sr-threads` writes with `SR_WINDOWS`), only the samples inside a
 * window count: record with `perf record -k realtime` and script with
 * `-F time,ip,sym,dso --ns`, so each stack's first line is its time.
 *
 * Symbols come from the `--perf-basic-prof` map (`bench/profile.ts` with
 * `PROFILE_PERF=1` starts the server so); a map's entries for code that V8
 * later moved may name the wrong function, so read a surprise twice.
 * @module
 */

/** What the stacks add up to. */
export interface FrameTally {
  /** Samples read. */
  readonly samples: number;
  /** Per JavaScript function: samples whose innermost JavaScript frame it is. */
  readonly innermost: Map<string, number>;
  /** Per JavaScript function: samples with it anywhere on the stack. */
  readonly inclusive: Map<string, number>;
  /** Per four leaf frames: samples with no JavaScript frame. */
  readonly native: Map<string, number>;
}

const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

/**
 * Tallies `perf script -F ip,sym,dso` output: stacks separated by blank lines,
 * one frame per line, leaf first.
 * @param text the output
 * @returns the tally
 */
export function tallyFrames(text: string): FrameTally {
  const tally: FrameTally = {
    samples: 0,
    innermost: new Map(),
    inclusive: new Map(),
    native: new Map(),
  };
  for (const stack of text.split(/\n\s*\n/)) {
    const symbols = stack.split("\n").map((l) => l.trim()).filter(Boolean).map((l) =>
      // "<ip> <symbol> (<dso>)": the symbol may hold spaces, the dso is last.
      l.replace(/^\S+\s+/, "").replace(/\s+\([^()]*\)$/, "")
    );
    if (symbols.length === 0) continue;
    (tally as { samples: number }).samples++;
    const js = symbols.filter((s) => s.startsWith("JS:"));
    if (js.length === 0) {
      bump(tally.native, symbols.slice(0, 4).join(" < "));
      continue;
    }
    bump(tally.innermost, js[0]!);
    for (const f of new Set(js)) bump(tally.inclusive, f);
  }
  return tally;
}

/**
 * Keeps the stacks whose time lies inside a window, without their time line.
 * @param text `perf script -F time,ip,sym,dso --ns` output (realtime clock)
 * @param windows "from to" pairs, ms since the epoch, in any order
 * @returns the kept stacks, as `tallyFrames` reads them
 */
export function withinWindows(text: string, windows: ReadonlyArray<[number, number]>): string {
  const sorted = [...windows].sort((a, b) => a[0] - b[0]);
  const inside = (ms: number) => {
    // The last window starting at or before ms.
    let lo = 0;
    let hi = sorted.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]![0] <= ms) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return at >= 0 && ms <= sorted[at]![1];
  };
  const kept: string[] = [];
  for (const stack of text.split(/\n\s*\n/)) {
    const lines = stack.split("\n").filter((l) => l.trim() !== "");
    const time = /^\s*(?:\S+\s+)*?(\d+\.\d+):\s*$/.exec(lines[0] ?? "");
    if (time !== null && inside(Number(time[1]) * 1000)) kept.push(lines.slice(1).join("\n"));
  }
  return kept.join("\n\n");
}

function print(title: string, m: Map<string, number>, samples: number, top: number) {
  const total = [...m.values()].reduce((s, v) => s + v, 0);
  console.log(`--- ${title} (${(100 * total / samples).toFixed(1)} % of samples in all)`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${(100 * v / samples).toFixed(1).padStart(5)} %  ${k.slice(0, 120)}`);
  }
}

if (import.meta.main) {
  const at = Deno.args.indexOf("--windows");
  const windowsFile = at >= 0 ? Deno.args[at + 1] : undefined;
  const args = at >= 0 ? Deno.args.filter((_, i) => i !== at && i !== at + 1) : Deno.args;
  const top = Number(args[0] ?? 35);
  const input = await new Response(Deno.stdin.readable).text();
  const text = windowsFile === undefined ? input : withinWindows(
    input,
    Deno.readTextFileSync(windowsFile).trim().split("\n").map((l) =>
      l.split(" ").map(Number) as [number, number]
    ),
  );
  const t = tallyFrames(text);
  console.log(`${t.samples} samples`);
  print(
    "innermost JavaScript frame (its own time and the native time under it)",
    t.innermost,
    t.samples,
    top,
  );
  print("JavaScript frames, inclusive", t.inclusive, t.samples, top);
  print("no JavaScript frame (four leaf frames)", t.native, t.samples, 15);
}
