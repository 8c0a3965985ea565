/**
 * The server side of `bench/http_heap.ts`: the same trivial handler (`ok`,
 * as `/healthz` answers) behind our `HttpServer` (`ours`, `TRANSPORT_IO`
 * picks its I/O) or `Deno.serve` (`deno`). Prints `port <n>` once listening,
 * then `mem <rss> <heapUsed> <heapTotal> <external>` (bytes) every 250 ms;
 * SIGUSR2 runs a full GC first when started with `--v8-flags=--expose-gc`.
 * Usage: `http_heap_server.ts ours|deno`.
 * @module
 */
import { systemClock } from "../../src/clock.ts";
import { HttpServer } from "../../src/transport/http_server.ts";
import { TRANSPORT_IOS, type TransportIo } from "../../src/transport/raw_conn.ts";

const mode = Deno.args[0] ?? "ours";
const handler = () => new Response("ok");
let port: number;
if (mode === "deno") {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
  port = server.addr.port; // Deno.serve is listening when it returns
} else {
  const io = (Deno.env.get("TRANSPORT_IO") ?? "deno") as TransportIo;
  if (!TRANSPORT_IOS.includes(io)) throw new Error(`TRANSPORT_IO=${io}`);
  const server = new HttpServer({
    hostname: "127.0.0.1",
    port: 0,
    io,
    handler,
    limits: { maxSockets: 10_000, maxPending: 10_000, maxPendingPerAddress: 10_000 },
    maxBodyBytes: 65536,
    maxMessageBytes: 65536,
    headerTimeoutMs: 30_000,
    closeTimeoutMs: 5000,
    idleTimeoutMs: 0,
    trustedProxies: [],
    clock: systemClock,
    observer: {
      shed: () => {},
      acceptError: () => {},
      handlerError: () => {},
      headerTimeout: () => {},
      closeTimeout: () => {},
    },
  });
  port = server.addr.port;
  await server.listening;
}
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) Deno.addSignalListener("SIGUSR2", () => gc());
console.log(`port ${port}`);
setInterval(() => {
  const m = Deno.memoryUsage();
  console.log(`mem ${m.rss} ${m.heapUsed} ${m.heapTotal} ${m.external}`);
}, 250);
