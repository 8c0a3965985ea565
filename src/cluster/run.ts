/**
 * The two roles of a process when `WORKERS` > 1, composed for `main.ts`:
 * - `runSupervisor`: the process started by hand. Checks what would make
 *   every worker fail alike (a bad `SQLITE_PATH`, a missing permission),
 *   starts the workers (`Supervisor`), prints the development banner once,
 *   and turns SIGTERM/SIGINT into a drain of all workers.
 * - `runWorker`: a process the supervisor started (`WORKER_INDEX` set): reads
 *   its `init`, then serves as a single process would, sharing the port,
 *   with the supervisor's channel as its broker when there is no `REDIS_URL`.
 *   It drains by itself when the supervisor is gone.
 * Both return the process's exit code.
 * @module
 */
import { deadline } from "../async/deadline.ts";
import { randomSecret, TokenAuthority } from "../auth/jwt.ts";
import { systemClock } from "../clock.ts";
import { type Config, ConfigError } from "../config.ts";
import { printDevelopmentBanner } from "../dev_mode.ts";
import { createLogger, type LogFields, type Logger } from "../logging/logger.ts";
import { baseUrl, serve } from "../server.ts";
import { checkStoreAccess } from "../startup_failure.ts";
import { BoundedWriter } from "./bounded_writer.ts";
import { Supervisor, type WorkerProcess } from "./supervisor.ts";
import { WorkerChannel } from "./worker_channel.ts";
import { workerCommand } from "./worker_command.ts";

/** How long a worker waits for its supervisor's `init` before it gives up. */
const INIT_TIMEOUT_MS = 10_000;

/**
 * Runs the supervisor until its workers have stopped.
 * @param config the configuration (`workers` > 1, no `workerIndex`)
 * @returns the exit code: 0 after SIGTERM/SIGINT, 2 when the workers cannot start
 * @throws {ConfigError} when no worker could start (permissions, `SQLITE_PATH`, not Linux)
 */
export async function runSupervisor(config: Config): Promise<number> {
  if (Deno.build.os !== "linux") {
    throw new ConfigError(
      "WORKERS",
      `several workers share one port with SO_REUSEPORT, which needs Linux (this is ${Deno.build.os}); set WORKERS=1`,
    );
  }
  checkStoreAccess(config);
  const command = workerCommand(config);
  const logger = createLogger(config.logLevel);
  const secret = config.authSecret === "" ? randomSecret() : null;
  const stdout = new BoundedWriter(Deno.stdout.writable, 4 * 1024 * 1024);
  const encoder = new TextEncoder();
  const print = (text: string) => void stdout.write(encoder.encode(`${text}\n`));
  let bannerShown = false;
  const supervisor = new Supervisor({
    workers: config.workers,
    clock: systemClock,
    logger,
    secret,
    output: (line) => {
      const withNewline = new Uint8Array(line.length + 1);
      withNewline.set(line);
      withNewline[line.length] = 0x0a;
      stdout.write(withNewline);
    },
    onUp: (index, pid) => {
      logger.info("worker listening", { worker: index, pid });
      if (secret === null || bannerShown) return;
      bannerShown = true;
      void printDevelopmentBanner(new TokenAuthority(secret), baseUrl(config, config.port), {
        host: config.host,
        logger,
        print,
      });
    },
    launch: (index) => launch(command, index),
  });
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(signal, () => void supervisor.stop(signal));
  }
  logger.info("supervising", {
    workers: config.workers,
    port: config.port,
    broker: config.redisUrl === "" ? "cluster" : "redis",
  });
  supervisor.start();
  const code = await supervisor.finished;
  await stdout.close();
  return code;
}

function launch(command: { command: string; args: readonly string[] }, index: number) {
  const child = new Deno.Command(command.command, {
    args: [...command.args],
    cwd: Deno.cwd(),
    env: { WORKER_INDEX: String(index) },
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const proc: WorkerProcess = {
    pid: child.pid,
    stdin: child.stdin,
    stdout: child.stdout,
    status: child.status,
    kill: (signal) => child.kill(signal),
  };
  return proc;
}

/**
 * Runs one worker until it has stopped.
 * @param config the configuration (`workerIndex` set)
 * @returns the exit code: 0 after a drain, 2 after a start-up failure that never heals
 * @throws {ConfigError} when no supervisor speaks on stdin (`WORKER_INDEX` set by hand)
 */
export async function runWorker(config: Config): Promise<number> {
  const channel = WorkerChannel.fromStdio();
  const init = await deadline(channel.init, INIT_TIMEOUT_MS).catch(() => null);
  if (init === null) {
    throw new ConfigError(
      "WORKER_INDEX",
      "is set by the supervisor for the processes it starts; do not set it (use WORKERS)",
    );
  }
  const server = await serve(config, {
    handleSignals: true,
    logger: withFields(createLogger(config.logLevel), { worker: init.index }),
    cluster: { index: init.index, secret: init.secret, link: channel },
  });
  channel.announceUp();
  void channel.gone.then(() => server.shutdown("supervisor gone"));
  await server.finished;
  const failure = server.startupFailure();
  if (failure) {
    console.error(`configuration error: ${failure.message}`);
    return 2;
  }
  return 0;
}

/** A logger that adds `fields` to every line (a worker's lines name it). */
function withFields(base: Logger, fields: LogFields): Logger {
  return {
    debug: (msg, more) => base.debug(msg, { ...fields, ...more }),
    info: (msg, more) => base.info(msg, { ...fields, ...more }),
    warn: (msg, more) => base.warn(msg, { ...fields, ...more }),
    error: (msg, more) => base.error(msg, { ...fields, ...more }),
  };
}
