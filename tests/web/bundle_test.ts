/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The committed page script must be the bundle of the current sources (a
 * fresh clone serves the page without building), and self-contained.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;
const COMMITTED = `${ROOT}web/static/app.js`;

/** The `bundle` task's arguments, with the output redirected. */
async function bundleArgs(output: string): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const task: string = config.tasks.bundle;
  const args = task.split(/\s+/);
  assert.equal(args.shift(), "deno", "the bundle task runs deno");
  const at = args.indexOf("--output");
  assert.ok(at >= 0, "the bundle task names its --output");
  args[at + 1] = output;
  return args;
}

Deno.test("web/static/app.js is the bundle of web/page and web/sdk as they are now", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bundle_" });
  try {
    const output = `${dir}/app.js`;
    const result = await new Deno.Command(Deno.execPath(), {
      args: await bundleArgs(output),
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(result.success, new TextDecoder().decode(result.stderr));
    const fresh = await Deno.readTextFile(output);
    const committed = await Deno.readTextFile(COMMITTED);
    assert.ok(
      fresh === committed,
      "web/static/app.js is stale: run `deno task bundle` and commit it",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the bundle imports nothing and fetches nothing from elsewhere", async () => {
  const js = await Deno.readTextFile(COMMITTED);
  assert.doesNotMatch(js, /^\s*import\s/m, "no static import left");
  assert.doesNotMatch(js, /\bimport\s*\(/, "no dynamic import");
  // The fetches are the SDK's history client, which the page points at its own origin, and
  // (v1.2) the page's own `/readyz` question while it is not connected (a relative URL).
  const fetches = js.match(/(?<![.#\w$])fetch\s*\(/g) ?? [];
  assert.ok(fetches.length <= 2, `two calls of the global fetch at most, found ${fetches.length}`);
  if (fetches.length > 0) {
    assert.match(js, /\/api\/history/, "the fetch is the history client's");
    assert.match(js, /historySource\(location\.origin/, "pointed at the page's own origin");
  }
  if (fetches.length > 1) {
    assert.match(js, /fetch\("\/readyz"/, "the other fetch asks this server whether it is ready");
  }
  assert.doesNotMatch(js, /\bDeno\./, "no Deno API in a browser script");
  assert.match(js, /data-response-id/, "it is the page's script");
});

Deno.test("index.html has no inline script or style and loads the bundle and styles", async () => {
  const html = await Deno.readTextFile(`${ROOT}web/index.html`);
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  assert.match(scripts[0]![1]!, /type="module"/);
  assert.match(scripts[0]![1]!, /src="\/static\/app\.js"/);
  assert.equal(scripts[0]![2]?.trim(), "", "no inline script");
  assert.doesNotMatch(html, /<style\b/, "no style element");
  assert.doesNotMatch(html, /\sstyle=/, "no style attribute");
  assert.doesNotMatch(html, /\son[a-z]+=/i, "no inline event handler");
  assert.match(html, /href="\/static\/app\.css"/);
  assert.match(html, /data-connection-state=/);
});
