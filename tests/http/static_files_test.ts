/**
 * `StaticFiles` on a directory made here: only listed plain names are read,
 * a miss touches no file, a file added later appears after `RELIST_MS`, and
 * the cache keeps files that exist only, within its bound.
 */
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import { MAX_CACHED_FILES, RELIST_MS, StaticFiles } from "../../src/http/static.ts";
import { FakeClock } from "../_support/fake_clock.ts";

async function webDir(): Promise<{ dir: string; url: URL }> {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/static`);
  await Deno.writeTextFile(`${dir}/index.html`, "<!doctype html><title>page</title>");
  await Deno.writeTextFile(`${dir}/static/app.css`, "body{}");
  await Deno.writeTextFile(`${dir}/secret.js`, "outside static");
  return { dir, url: pathToFileURL(`${dir}/`) };
}

Deno.test("static files: listed names are served, everything else is 404", async () => {
  const { dir, url } = await webDir();
  try {
    const files = new StaticFiles({ webDir: url, clock: new FakeClock() });
    const ok = await files.asset("app.css");
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get("content-type"), "text/css; charset=utf-8");
    assert.equal(await ok.text(), "body{}");
    for (
      const name of [
        "missing.css",
        "../secret.js",
        "..%2fsecret.js",
        ".app.css",
        "app.css%00.js",
        "static",
        `${"a".repeat(300)}.css`,
        "app.exe",
      ]
    ) {
      const res = await files.asset(name);
      assert.equal(res.status, 404, name);
      await res.body?.cancel();
    }
    const page = await files.page("127.0.0.1:1");
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-security-policy") ?? "", /script-src 'self'/);
    await page.body?.cancel();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("static files: a miss leaves nothing cached; a new file shows after RELIST_MS", async () => {
  const { dir, url } = await webDir();
  try {
    const clock = new FakeClock();
    const files = new StaticFiles({ webDir: url, clock });
    await (await files.asset("app.css")).body?.cancel();
    for (let i = 0; i < 1000; i++) await (await files.asset(`missing-${i}.js`)).body?.cancel();
    assert.deepEqual(files.cached, { files: 1, bytes: 6 });
    await Deno.writeTextFile(`${dir}/static/late.js`, "late()");
    assert.equal((await files.asset("late.js")).status, 404, "the listing is not read again yet");
    clock.tick(RELIST_MS);
    const late = await files.asset("late.js");
    assert.equal(late.status, 200);
    assert.equal(await late.text(), "late()");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("static files: the cache holds at most MAX_CACHED_FILES files", async () => {
  const { dir, url } = await webDir();
  try {
    for (let i = 0; i < MAX_CACHED_FILES + 10; i++) {
      await Deno.writeTextFile(`${dir}/static/f${i}.js`, `f${i}`);
    }
    const files = new StaticFiles({ webDir: url, clock: new FakeClock() });
    for (let i = 0; i < MAX_CACHED_FILES + 10; i++) {
      const res = await files.asset(`f${i}.js`);
      assert.equal(await res.text(), `f${i}`);
    }
    assert.equal(files.cached.files, MAX_CACHED_FILES);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
