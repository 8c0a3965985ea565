/**
 * The composition root: configuration → `serve()`, or, with `WORKERS` > 1,
 * a supervisor of that many server processes sharing the port (see
 * `src/cluster/`). Exits 2 on a bad configuration value or a start-up failure
 * that never heals (the message names the variable), 0 after a graceful stop
 * (SIGTERM/SIGINT).
 * @module
 */
import { type Config, ConfigError, loadConfig } from "./src/config.ts";
import { serve } from "./src/server.ts";
import { runSupervisor, runWorker } from "./src/cluster/run.ts";

async function runAlone(config: Config): Promise<number> {
  const server = await serve(config, { handleSignals: true });
  await server.finished;
  const failure = server.startupFailure();
  if (failure) {
    console.error(`configuration error: ${failure.message}`);
    return 2;
  }
  return 0;
}

if (import.meta.main) {
  try {
    const config = loadConfig();
    const code = config.workerIndex !== null
      ? await runWorker(config)
      : config.workers > 1
      ? await runSupervisor(config)
      : await runAlone(config);
    Deno.exit(code);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`configuration error: ${e.message}`);
      Deno.exit(2);
    }
    throw e;
  }
}
