/**
 * How the supervisor starts a worker: this very Deno executable running this
 * very script, from the same directory, with the permissions a server needs
 * and never more than the supervisor holds (Deno cannot tell a process which
 * flags it was started with, so each one is checked with
 * `Deno.permissions.querySync`): network, environment and reading in full,
 * writing only the SQLite file's directory, the three `sys` calls the metrics
 * make; no `--allow-run` (a worker starts nothing); and `--unstable-net`,
 * which `reusePort` needs in Deno 2.9.
 *
 * The supervisor itself needs `--allow-run` for the Deno executable only:
 * `deno task start` grants `--allow-run=deno`, which Deno resolves on `PATH`
 * at start (npm's `deno` is a symlink to the binary, so the names differ while
 * the file is one); an exact `--allow-run=<Deno.execPath()>` works too.
 * @module
 */
import { dirname, resolve } from "node:path";
import { type Config, ConfigError } from "../config.ts";

/** The command line of a worker. */
export interface WorkerCommand {
  /** What to spawn: `Deno.execPath()`, or `deno` when only that name may be run. */
  readonly command: string;
  /** Its arguments: `run`, the permissions, `--unstable-net` and the script. */
  readonly args: readonly string[];
}

const SYS_CALLS = ["hostname", "osRelease", "networkInterfaces"] as const;

function granted(descriptor: Deno.PermissionDescriptor): boolean {
  return Deno.permissions.querySync(descriptor).state === "granted";
}

/** The first `deno` on `PATH`, resolved to its file, or null. */
function denoOnPath(): string | null {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir === "") continue;
    try {
      return Deno.realPathSync(`${dir}/deno`);
    } catch { /* not here */ }
  }
  return null;
}

/**
 * The executable the supervisor may start: itself by its path when that is
 * granted, else `deno` when that is granted and names this same binary.
 * @returns the command
 * @throws {ConfigError} naming `WORKERS` and the flag to add
 */
export function workerExecutable(): string {
  const self = Deno.execPath();
  if (granted({ name: "run", command: self })) return self;
  if (granted({ name: "run", command: "deno" })) {
    const onPath = denoOnPath();
    if (onPath !== null && onPath === Deno.realPathSync(self)) return "deno";
    throw new ConfigError(
      "WORKERS",
      `'deno' on PATH is ${onPath ?? "missing"}, not this runtime (${self}): ` +
        `grant --allow-run=${self}`,
    );
  }
  throw new ConfigError(
    "WORKERS",
    `more than one worker needs --allow-run=deno (or --allow-run=${self}) to start them ` +
      "(deno task start grants it); or set WORKERS=1",
  );
}

/**
 * The permission flags of a worker: the server's own, each checked against the supervisor's.
 * @param config the configuration (where the SQLite file is)
 * @returns the flags
 * @throws {ConfigError} when the supervisor lacks one a worker needs
 */
export function workerPermissionFlags(config: Pick<Config, "mysql" | "sqlitePath">): string[] {
  const flags: string[] = [];
  for (const name of ["net", "env", "read"] as const) {
    if (!granted({ name })) {
      throw new ConfigError(
        "WORKERS",
        `the supervisor passes its permissions to its workers and needs --allow-${name} in full ` +
          "(deno task start grants it); or set WORKERS=1",
      );
    }
    flags.push(`--allow-${name}`);
  }
  if (config.mysql === null && !/^(:memory:|file:)/.test(config.sqlitePath)) {
    // checkStoreAccess has made sure the supervisor may write it.
    flags.push(`--allow-write=${dirname(resolve(config.sqlitePath))}`);
  }
  const sys = SYS_CALLS.filter((kind) => granted({ name: "sys", kind }));
  if (sys.length > 0) flags.push(`--allow-sys=${sys.join(",")}`);
  return flags;
}

/**
 * The full command line of a worker.
 * @param config the configuration
 * @returns the executable and its arguments
 * @throws {ConfigError} when the supervisor may not start it
 */
export function workerCommand(config: Pick<Config, "mysql" | "sqlitePath">): WorkerCommand {
  return {
    command: workerExecutable(),
    // `--unstable-net`: Deno 2.9 still counts `Deno.listen({ reusePort })` as unstable.
    args: [
      "run",
      "--no-prompt",
      "--unstable-net",
      ...workerPermissionFlags(config),
      Deno.mainModule,
    ],
  };
}
