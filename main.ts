/**
 * The composition root: configuration → `serve()`. Exits 2 on a bad
 * configuration value or a start-up failure that never heals (the message
 * names the variable), 0 after a graceful stop (SIGTERM/SIGINT).
 * @module
 */
import { ConfigError, loadConfig } from "./src/config.ts";
import { serve } from "./src/server.ts";

if (import.meta.main) {
  try {
    const config = loadConfig();
    const server = await serve(config, { handleSignals: true });
    await server.finished;
    const failure = server.startupFailure();
    if (failure) {
      console.error(`configuration error: ${failure.message}`);
      Deno.exit(2);
    }
    Deno.exit(0);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`configuration error: ${e.message}`);
      Deno.exit(2);
    }
    throw e;
  }
}
