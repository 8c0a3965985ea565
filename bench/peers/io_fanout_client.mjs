// The clients of bench/io_fanout.ts: N raw WebSocket connections that read and discard.
// usage: node io_fanout_client.mjs <port> <N>
import net from "node:net";
const [port, n] = process.argv.slice(2).map(Number);
const KEY = "dGhlIHNhbXBsZSBub25jZQ==";
const HS = `GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
let open = 0;
function connect() {
  if (open >= n) return;
  open++;
  const s = net.connect(port, "127.0.0.1", () => s.write(HS));
  s.on("data", () => {});
  s.on("error", () => {});
  setImmediate(connect);
}
for (let i = 0; i < 32; i++) connect();
setTimeout(() => process.exit(0), 120_000);
process.on("SIGTERM", () => process.exit(0));
