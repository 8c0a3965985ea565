/**
 * The container, proved on this machine: runs ops/container/test.sh, which
 * builds the base image (debootstrap + Deno from npm, cached) and the
 * project's image with podman, runs it against SQLite and MariaDB, checks
 * `/readyz`, an operator's `WELCOME`, the HEALTHCHECK and a SIGTERM stop
 * (client closed 1012, exit 0). Needs root, podman, runc and debootstrap
 * (`.ci/run` installs them); without them it is ignored, unless
 * `REQUIRE_SERVICES=1`, when it fails.
 * @module
 */
import assert from "node:assert/strict";
import { MYSQL_UP, REQUIRE_SERVICES } from "../_support/services.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const TOOLS = ["podman", "runc", "debootstrap", "mariadb"] as const;

function onPath(tool: string): boolean {
  const dirs = (Deno.env.get("PATH") ?? "").split(":").concat(["/usr/sbin", "/sbin"]);
  return dirs.some((d) => {
    try {
      return Deno.statSync(`${d}/${tool}`).isFile;
    } catch {
      return false;
    }
  });
}

const missing = TOOLS.filter((t) => !onPath(t));
const isRoot = Deno.uid() === 0;
if (REQUIRE_SERVICES && (missing.length > 0 || !isRoot)) {
  throw new Error(
    `the container test is required (REQUIRE_SERVICES=1) but ${
      isRoot ? `${missing.join(", ")} not installed` : "it needs root"
    }`,
  );
}
const available = missing.length === 0 && isRoot && MYSQL_UP;
if (!available) {
  console.warn(`%ccontainer tools missing (${missing.join(", ")}): IGNORED`, "color: red");
}

Deno.test("the Dockerfile's default base is the pinned Deno version", async () => {
  const version = (await Deno.readTextFile(`${ROOT}.deno-version`)).trim();
  const dockerfile = await Deno.readTextFile(`${ROOT}Dockerfile`);
  assert.match(
    dockerfile,
    new RegExp(`^ARG DENO_IMAGE=denoland/deno:${version.replaceAll(".", "\\.")}$`, "m"),
  );
  assert.match(dockerfile, /^FROM \$\{DENO_IMAGE\}$/m);
  assert.match(dockerfile, /^USER deno$/m);
  assert.match(dockerfile, /^HEALTHCHECK /m);
});

Deno.test({
  name: "the image builds with podman, serves SQLite and MariaDB clients, and stops 0 on SIGTERM",
  ignore: !available,
  sanitizeResources: false,
  fn: async () => {
    const result = await new Deno.Command("bash", {
      args: ["ops/container/test.sh"],
      cwd: ROOT,
      env: { DENO: Deno.execPath(), NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(result.stdout);
    const err = new TextDecoder().decode(result.stderr);
    assert.equal(result.code, 0, `ops/container/test.sh failed:\n${out}\n${err}`);
    assert.match(out, /^container: ok$/m);
    for (const store of ["sqlite", "mariadb"]) {
      assert.match(out, new RegExp(`^${store}: /readyz 200, WELCOME`, "m"));
      assert.match(
        out,
        new RegExp(`^${store}: SIGTERM closed the client 1012, container exited 0$`, "m"),
      );
    }
    // The figures, for the CI log.
    console.log(out.split("\n").filter((l) => l.startsWith("timing ")).join("\n"));
  },
});
