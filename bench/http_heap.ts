/**
 * `deno task bench:http-heap` (issue 18, item 4): the HTTP layer's memory
 * under a request burst, ours against `Deno.serve`, same handler, same
 * burst. For each server: start it, read its memory idle (after a full GC),
 * run `wrk` (keep-alive, `HEAP_CONNS` connections, `HEAP_SECONDS` s) and
 * sample memory throughout, then read it again after a full GC. Prints one
 * line per server: requests/s, and RSS and V8 heap idle, at the burst's peak
 * and at its end (the plateau), in MB. Memory is much less sensitive to a
 * loaded machine than time; the requests/s are not.
 *
 * Environment: `HEAP_SERVERS` (default `deno,ours,ours-node`; `ours-node` is
 * ours with `TRANSPORT_IO=node`, `ours-node-listen` with `node-listen`),
 * `HEAP_CONNS` (64), `HEAP_SECONDS` (15), `HEAP_THREADS` (1), `HEAP_V8_FLAGS`
 * (comma-separated V8 flags for every server, e.g. `--max-semi-space-size=4`). Needs `wrk`
 * (Debian: `apt-get install -y wrk`).
 * @module
 */

const SERVER = new URL("./peers/http_heap_server.ts", import.meta.url).pathname;
const MB = 1024 * 1024;

interface Sample {
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
}

/** One server's figures. */
interface Figures {
  readonly name: string;
  readonly rps: number;
  readonly idle: Sample;
  readonly peak: Sample;
  readonly end: Sample;
  readonly afterGc: Sample;
}

const env = (name: string, def: string) => Deno.env.get(name) ?? def;
const servers = env("HEAP_SERVERS", "deno,ours,ours-node").split(",").filter(Boolean);
const conns = Number(env("HEAP_CONNS", "64"));
const seconds = Number(env("HEAP_SECONDS", "15"));
const threads = Number(env("HEAP_THREADS", "1"));
const v8Flags = env("HEAP_V8_FLAGS", "");

async function measure(name: string): Promise<Figures> {
  const mode = name === "deno" ? "deno" : "ours";
  const io = name === "ours-node" ? "node" : name === "ours-node-listen" ? "node-listen" : "deno";
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `--v8-flags=${["--expose-gc", v8Flags].filter(Boolean).join(",")}`,
      SERVER,
      mode,
    ],
    env: { TRANSPORT_IO: io },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let latest: Sample | null = null;
  let port = 0;
  const lines = child.stdout.pipeThrough(new TextDecoderStream());
  let rest = "";
  const reading = (async () => {
    for await (const text of lines) {
      rest += text;
      const parts = rest.split("\n");
      rest = parts.pop()!;
      for (const line of parts) {
        const [kind, ...v] = line.split(" ");
        if (kind === "port") port = Number(v[0]);
        if (kind === "mem") {
          const [rss, heapUsed, heapTotal, external] = v.map(Number) as [
            number,
            number,
            number,
            number,
          ];
          latest = { rss, heapUsed, heapTotal, external };
        }
      }
    }
  })();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const gcSample = async (): Promise<Sample> => {
    child.kill("SIGUSR2");
    await sleep(600);
    return latest!;
  };
  try {
    while (port === 0 || latest === null) await sleep(50);
    await sleep(500);
    const idle = await gcSample();
    let peak: Sample = idle;
    const sampler = setInterval(() => {
      if (latest !== null && latest.rss > peak.rss) peak = latest;
    }, 100);
    const out = await new Deno.Command("wrk", {
      args: [
        `-t${threads}`,
        `-c${conns}`,
        `-d${seconds}s`,
        `http://127.0.0.1:${port}/healthz`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    clearInterval(sampler);
    const report = new TextDecoder().decode(out.stdout);
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(report)?.[1] ?? NaN);
    const end = latest!;
    const afterGc = await gcSample();
    return { name, rps, idle, peak, end, afterGc };
  } finally {
    child.kill("SIGKILL");
    await child.status;
    await reading.catch(() => {});
  }
}

const mb = (n: number) => (n / MB).toFixed(1).padStart(7);
console.log(
  `burst: wrk -t${threads} -c${conns} -d${seconds}s, V8 flags: ${v8Flags || "none"}, load average ${
    Deno.loadavg().join(" ")
  }`,
);
console.log(
  "server            req/s |  RSS idle   peak    end  +peak  after-GC | heap idle   peak    end  after-GC | heapTotal peak  external peak",
);
for (const name of servers) {
  const f = await measure(name);
  console.log(
    `${name.padEnd(16)} ${f.rps.toFixed(0).padStart(6)} |` +
      `${mb(f.idle.rss)}${mb(f.peak.rss)}${mb(f.end.rss)}${mb(f.peak.rss - f.idle.rss)}` +
      `${mb(f.afterGc.rss)}   |${mb(f.idle.heapUsed)}${mb(f.peak.heapUsed)}${mb(f.end.heapUsed)}` +
      `${mb(f.afterGc.heapUsed)}   |${mb(f.peak.heapTotal)}        ${mb(f.peak.external)}`,
  );
}
