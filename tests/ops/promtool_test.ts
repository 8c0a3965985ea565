/**
 * `ops/prometheus/alerts.yml` passes `promtool check rules`, and its unit
 * tests (`alerts_test.yml`: every alert fires when it should and not before)
 * pass `promtool test rules`.
 */
import assert from "node:assert/strict";
import { prometheusTool, ROOT } from "./_promql.ts";

const PROMTOOL = prometheusTool("promtool");
const DIR = `${ROOT}ops/prometheus/`;

async function promtool(...args: string[]): Promise<{ ok: boolean; out: string }> {
  const r = await new Deno.Command(PROMTOOL!, { args, cwd: DIR, stdout: "piped", stderr: "piped" })
    .output();
  const dec = new TextDecoder();
  return { ok: r.success, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

Deno.test(
  { name: "promtool check rules ops/prometheus/alerts.yml", ignore: PROMTOOL === null },
  async () => {
    const { ok, out } = await promtool("check", "rules", "alerts.yml");
    assert.ok(ok, out);
    assert.match(out, /SUCCESS: 10 rules found/);
  },
);

Deno.test(
  { name: "promtool test rules ops/prometheus/alerts_test.yml", ignore: PROMTOOL === null },
  async () => {
    const { ok, out } = await promtool("test", "rules", "alerts_test.yml");
    assert.ok(ok, out);
    assert.match(out, /SUCCESS/);
  },
);

Deno.test({
  name: "promtool test rules fails when an alert does not fire as expected",
  ignore: PROMTOOL === null,
}, async () => {
  // The unit tests can fail: the same file with the heartbeat threshold raised tenfold must.
  const dir = await Deno.makeTempDir({ prefix: "promtool_" });
  try {
    const rules = (await Deno.readTextFile(`${DIR}alerts.yml`)).replace("> 0.01 *", "> 0.1 *");
    assert.ok(rules.includes("> 0.1 *"), "the threshold was found");
    await Deno.writeTextFile(`${dir}/alerts.yml`, rules);
    await Deno.copyFile(`${DIR}alerts_test.yml`, `${dir}/alerts_test.yml`);
    const r = await new Deno.Command(PROMTOOL!, {
      args: ["test", "rules", "alerts_test.yml"],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
    assert.equal(r.success, false, out);
    assert.match(out, /HubHeartbeatTimeoutsSpiking/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
