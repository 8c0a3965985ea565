/**
 * `deno task bench:io` (issue 18, item 3): the server's CPU per WebSocket
 * write and RSS per connection for each `TRANSPORT_IO`, same broadcast, one
 * process each, run one after another (`IO_ROUNDS_ALTERNATE` pairs, so a
 * loaded machine's drift spreads across them). CPU is the server's own
 * (all threads) from `process.cpuUsage`, less noisy than latency.
 * Environment: `IO_VARIANTS` (default `floor,deno,node,node-listen`;
 * `floor` is a bare `Deno.Conn.write` loop in batches, the runtime's floor
 * beside which our sender's cost per write shows), `IO_N` (2000),
 * `IO_ROUNDS` (10 broadcasts), `IO_REPEAT` (2).
 * @module
 */
const SERVER = new URL("./peers/io_fanout_server.ts", import.meta.url).pathname;
const CLIENT = new URL("./peers/io_fanout_client.mjs", import.meta.url).pathname;
const env = (name: string, def: string) => Deno.env.get(name) ?? def;
const variants = env("IO_VARIANTS", "floor,deno,node,node-listen").split(",").filter(Boolean);
const n = env("IO_N", "2000");
const rounds = env("IO_ROUNDS", "10");
const repeat = Number(env("IO_REPEAT", "2"));

async function once(io: string): Promise<string> {
  const server = new Deno.Command("bash", {
    args: [
      "-c",
      `ulimit -n 65536 2>/dev/null; exec "$0" run -A --v8-flags=--expose-gc "$1" 0 "$2" "$3"`,
      Deno.execPath(),
      SERVER,
      n,
      rounds,
    ],
    env: { TRANSPORT_IO: io },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!/port \d+/.test(out)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server ended: ${out}`);
    out += value;
  }
  const port = /port (\d+)/.exec(out)![1]!;
  const client = new Deno.Command("node", { args: [CLIENT, port, n], stdout: "null" }).spawn();
  while (!out.includes("{")) {
    const { value, done } = await reader.read();
    if (done) break;
    out += value;
  }
  while (!out.endsWith("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    out += value;
  }
  client.kill("SIGKILL");
  await client.status;
  await server.status;
  return out.slice(out.indexOf("{")).trim();
}

console.log(`N=${n}, ${rounds} broadcasts, load average ${Deno.loadavg().join(" ")}`);
for (let i = 0; i < repeat; i++) {
  for (const io of variants) console.log(await once(io));
}
