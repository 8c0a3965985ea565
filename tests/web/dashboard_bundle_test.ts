/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The committed dashboard script must be the bundle of the current sources
 * (`deno task bundle:dashboard`: web/dashboard, with uPlot), self-contained,
 * and its page free of inline script and style.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;
const COMMITTED = `${ROOT}web/static/dashboard.js`;

async function bundleArgs(output: string): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const args = (config.tasks["bundle:dashboard"] as string).split(/\s+/);
  assert.equal(args.shift(), "deno", "the task runs deno");
  const at = args.indexOf("--output");
  assert.ok(at >= 0, "the task names its --output");
  args[at + 1] = output;
  return args;
}

Deno.test("web/static/dashboard.js is the bundle of web/dashboard as it is now", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dashboard_bundle_" });
  try {
    const output = `${dir}/dashboard.js`;
    const result = await new Deno.Command(Deno.execPath(), {
      args: await bundleArgs(output),
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(result.success, new TextDecoder().decode(result.stderr));
    assert.ok(
      await Deno.readTextFile(output) === await Deno.readTextFile(COMMITTED),
      "web/static/dashboard.js is stale: run `deno task bundle:dashboard` and commit it",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the dashboard bundle loads nothing from elsewhere and asks only /api/dashboard", async () => {
  const js = await Deno.readTextFile(COMMITTED);
  assert.doesNotMatch(js, /^\s*import\s/m, "no static import left");
  assert.doesNotMatch(js, /\bimport\s*\(/, "no dynamic import");
  assert.doesNotMatch(js, /\bDeno\./, "no Deno API in a browser script");
  assert.doesNotMatch(js, /https?:\/\/(?!www\.w3\.org)/, "no absolute URL but SVG's namespace");
  assert.match(js, /\/api\/dashboard/);
  assert.match(js, /data-chart|dataset/);
});

Deno.test("dashboard.html has no inline script or style and loads the bundle and styles", async () => {
  const html = await Deno.readTextFile(`${ROOT}web/dashboard.html`);
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  assert.match(scripts[0]![1]!, /type="module"/);
  assert.match(scripts[0]![1]!, /src="\/static\/dashboard\.js"/);
  assert.equal(scripts[0]![2]?.trim(), "", "no inline script");
  assert.doesNotMatch(html, /<style\b/, "no style element");
  assert.doesNotMatch(html, /\sstyle=/, "no style attribute");
  assert.doesNotMatch(html, /\son[a-z]+=/i, "no inline event handler");
  assert.match(html, /href="\/static\/dashboard\.css"/);
});
