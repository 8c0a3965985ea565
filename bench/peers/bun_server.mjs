/**
 * The Bun peer: `Bun.serve` with its built-in WebSocket server, compression
 * off. A text starting with `{"type":"BCAST"` is published to the topic every
 * socket joined (Bun's native fan-out); anything else is echoed. SIGUSR2 runs
 * `Bun.gc(true)`. Port from `PORT`.
 * @module
 */
/* global Bun */
const BCAST = '{"type":"BCAST"';

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 8803),
  fetch(req, srv) {
    if (srv.upgrade(req)) return undefined;
    return new Response("ok");
  },
  websocket: {
    perMessageDeflate: false,
    open(ws) {
      ws.subscribe("all");
    },
    message(ws, message) {
      if (typeof message === "string" && message.startsWith(BCAST)) server.publish("all", message);
      else ws.send(message);
    },
  },
});
process.on("SIGUSR2", () => Bun.gc(true));
console.log("listening");
