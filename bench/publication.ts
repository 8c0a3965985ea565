/**
 * `deno task bench:publication`: scenario S7 alone (also part of
 * `deno task bench`, `BENCH_SCENARIOS=S7`): TAKE throughput with five
 * modules and decision → published latency, on SQLite and MariaDB.
 *
 * Usage: deno task bench:publication [--jobs=1000] [--latency=100]
 * (MariaDB on 127.0.0.1:3306 as root; skipped when it does not answer.)
 * Keep it short on a shared machine: this is a measurement, not a soak.
 * @module
 */
import { parseArgs } from "node:util";
import { runPublication } from "./scenarios/publication.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    jobs: { type: "string", default: "1000" },
    latency: { type: "string", default: "100" },
  },
});
const { markdown } = await runPublication(Number(values.jobs), Number(values.latency));
console.log([`# Publication queue — ${new Date().toISOString()}`, "", ...markdown].join("\n"));
