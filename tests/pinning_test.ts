/** The Deno version is pinned once (`.deno-version`); every place that names it agrees. */
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);
const read = (path: string) => Deno.readTextFile(new URL(path, root));

Deno.test("README, Dockerfile and .ci/run use the version in .deno-version", async () => {
  const version = (await read(".deno-version")).trim();
  assert.match(version, /^\d+\.\d+\.\d+$/);
  const readme = await read("README.md");
  const named = [...readme.matchAll(/deno@(\d+\.\d+\.\d+)/g)].map((m) => m[1]);
  assert.ok(named.length >= 2, "the README names the version in its commands");
  assert.deepEqual([...new Set(named)], [version]);
  assert.match(
    await read("Dockerfile"),
    new RegExp(`denoland/deno:${version.replaceAll(".", "\\.")}\\b`),
  );
  assert.match(await read(".ci/run"), /cat \.deno-version/);
});
