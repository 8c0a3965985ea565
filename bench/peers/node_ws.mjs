/**
 * The Node `ws` 8 peer: a `WebSocketServer` on `node:http`, compression off.
 * A text starting with `{"type":"BCAST"` is sent to every client, anything
 * else echoed. `GET /healthz` answers `ok`. SIGUSR2 runs `gc()` (needs
 * `--expose-gc`). Port from `PORT`.
 * @module
 */
import { createServer } from "node:http";
import { createRequire } from "node:module";

const require = createRequire(`${process.env.BENCH_NODE_DIR}/package.json`);
const { WebSocketServer } = require("ws");
const BCAST = Buffer.from('{"type":"BCAST"');

const server = createServer((_req, res) => res.end("ok"));
const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on("connection", (ws) => {
  ws.on("message", (data) => {
    if (data.length >= BCAST.length && data.subarray(0, BCAST.length).equals(BCAST)) {
      for (const c of wss.clients) c.send(data, { binary: false });
    } else ws.send(data, { binary: false });
  });
});
if (globalThis.gc) process.on("SIGUSR2", () => globalThis.gc());
server.listen(Number(process.env.PORT ?? 8801), "127.0.0.1", () => console.log("listening"));
