/**
 * The Socket.IO 4 peer, WebSocket transport only, compression off. Event
 * `b` is re-emitted to everyone as `e` (one encoding per broadcast); `hb` is
 * echoed to its sender. Engine.IO's ping runs at the benchmark's heartbeat
 * interval (`HB_MS`), so its keepalive matches the other servers'.
 * SIGUSR2 runs `gc()` (needs `--expose-gc`). Port from `PORT`.
 * @module
 */
import { createServer } from "node:http";
import { createRequire } from "node:module";

const require = createRequire(`${process.env.BENCH_NODE_DIR}/package.json`);
const { Server } = require("socket.io");
const hbMs = Number(process.env.HB_MS ?? 15000);

const server = createServer((_req, res) => res.end("ok"));
const io = new Server(server, {
  transports: ["websocket"],
  perMessageDeflate: false,
  httpCompression: false,
  serveClient: false,
  pingInterval: hbMs,
  pingTimeout: 2 * hbMs,
});
io.on("connection", (socket) => {
  socket.on("b", (data) => io.emit("e", data));
  socket.on("hb", (data) => socket.emit("hb", data));
});
if (globalThis.gc) process.on("SIGUSR2", () => globalThis.gc());
server.listen(Number(process.env.PORT ?? 8802), "127.0.0.1", () => console.log("listening"));
