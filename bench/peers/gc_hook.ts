/**
 * Preloaded into every Deno server of the benchmark (`--preload`, with
 * `--v8-flags=--expose-gc`): SIGUSR2 runs a full garbage collection, so the
 * harness can read RSS after GC without changing the server's code.
 * @module
 */
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) Deno.addSignalListener("SIGUSR2", () => gc());
