/**
 * Installs the peers from npm into bench/.peers/ (gitignored) with `npm ci`
 * from the committed lock files, once per lock file content.
 * @module
 */

const BENCH = new URL("../", import.meta.url).pathname;

/** Where the installed peers live. */
export const PEERS_DIR = `${BENCH}.peers`;

async function sha256(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function run(cmd: string, args: string[], cwd: string): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd}:\n${text}`);
  return text.trim();
}

/**
 * Makes bench/.peers/<name> an `npm ci` of bench/peers/<name>/package-lock.json.
 * @param name `node` (ws, Socket.IO) or `bun` (the Bun runtime)
 * @returns the install directory
 * @throws {Error} when npm fails (its output included)
 */
export async function installPeer(name: "node" | "bun"): Promise<string> {
  const src = `${BENCH}peers/${name}`;
  const dst = `${PEERS_DIR}/${name}`;
  const pkg = await Deno.readTextFile(`${src}/package.json`);
  const lock = await Deno.readTextFile(`${src}/package-lock.json`);
  const stamp = await sha256(pkg + lock);
  const stampFile = `${dst}/.installed`;
  const done = await Deno.readTextFile(stampFile).catch(() => "");
  if (done === stamp) return dst;
  await Deno.mkdir(dst, { recursive: true });
  await Deno.writeTextFile(`${dst}/package.json`, pkg);
  await Deno.writeTextFile(`${dst}/package-lock.json`, lock);
  await run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], dst);
  await Deno.writeTextFile(stampFile, stamp);
  return dst;
}

/**
 * Finds a runnable Bun binary in the installed `bun` package: its postinstall
 * copies the platform binary over `bun/bin/bun.exe`; when scripts did not run,
 * the binary is still in `@oven/bun-linux-x64[-baseline]/bin/bun`.
 * @param dir the bun install directory
 * @returns the binary's path and its `--version`
 * @throws {Error} saying why no candidate runs
 */
export async function bunBinary(dir: string): Promise<{ path: string; version: string }> {
  const nm = `${dir}/node_modules`;
  const candidates = [
    `${nm}/bun/bin/bun.exe`,
    `${nm}/@oven/bun-linux-x64/bin/bun`,
    `${nm}/@oven/bun-linux-x64-baseline/bin/bun`,
  ];
  const why: string[] = [];
  for (const path of candidates) {
    try {
      return { path, version: await run(path, ["--version"], dir) };
    } catch (e) {
      why.push(`${path}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  throw new Error(`no runnable Bun binary:\n${why.join("\n")}`);
}

/**
 * Reads an installed npm package's version.
 * @param dir the install directory
 * @param pkg the package name
 * @returns its version, or "?"
 */
export function installedVersion(dir: string, pkg: string): string {
  try {
    return JSON.parse(Deno.readTextFileSync(`${dir}/node_modules/${pkg}/package.json`)).version;
  } catch {
    return "?";
  }
}
