/**
 * A bare `HttpServer` whose budget is larger than its open-file limit (the
 * test runs it under `ulimit -n`), so accepting really runs out of
 * descriptors. Prints `port <n>` once listening, and `shed-fds <n>` for every
 * `/count` request. Its argument is the `TransportIo` (default `deno`).
 */
import type { TransportIo } from "../../src/transport/raw_conn.ts";
import { systemClock } from "../../src/clock.ts";
import { HttpServer } from "../../src/transport/http_server.ts";

// As the real server does at start (Deno 2.9.6 panics if its signal machinery
// is first set up when no descriptor is left: ext/signals unwraps EMFILE).
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));

let shedFds = 0;
const server = new HttpServer({
  hostname: "127.0.0.1",
  port: 0,
  io: (Deno.args[0] ?? "deno") as TransportIo,
  handler: (req) =>
    new URL(req.url).pathname === "/count"
      ? new Response(`shed-fds ${shedFds}\n`)
      : new Response("ok\n"),
  limits: { maxSockets: 100_000, maxPending: 100_000, maxPendingPerAddress: 100_000 },
  maxBodyBytes: 65536,
  maxMessageBytes: 65536,
  headerTimeoutMs: 60_000,
  closeTimeoutMs: 5000,
  idleTimeoutMs: 0,
  trustedProxies: [],
  clock: systemClock,
  observer: {
    shed: (reason) => {
      if (reason === "fds") shedFds++;
    },
    acceptError: () => {},
    handlerError: () => {},
    headerTimeout: () => {},
    closeTimeout: () => {},
  },
});
console.log(`port ${server.addr.port}`);
await server.finished;
