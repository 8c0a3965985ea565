/**
 * Hostile peers for the soak test, run in their own process so their floods
 * do not slow the honest clients' event loop: `PEERS` peers, each running a
 * random mix of the attacks of issues 7 and 13 against 127.0.0.1:`PORT` for
 * `SECONDS`, every attack cut after at most 3 s, then the next. Prints one
 * JSON line of counts at the end. Loopback only; stops by itself.
 *
 * Usage: deno run --allow-net=127.0.0.1 _hostile_peers.ts PORT PEERS SECONDS [ATTACKS]
 * @module
 */
import { clientFrame } from "../transport/_frames.ts";

const [port, peers, seconds] = Deno.args.map(Number) as [number, number, number];
const until = Date.now() + seconds * 1000;
const enc = new TextEncoder();
const counts: Record<string, number> = {};

function repeated(frame: Uint8Array, size: number): Uint8Array {
  const n = Math.max(1, Math.floor(size / frame.length));
  const out = new Uint8Array(frame.length * n);
  for (let i = 0; i < n; i++) out.set(frame, i * frame.length);
  return out;
}

async function writeFor(conn: Deno.Conn, bytes: Uint8Array, ms: number): Promise<void> {
  const stop = Math.min(until, Date.now() + ms);
  while (Date.now() < stop) {
    const t = setTimeout(() => close(conn), Math.max(1, stop - Date.now()));
    try {
      let at = 0;
      while (at < bytes.length) at += await conn.write(bytes.subarray(at));
    } catch {
      return;
    } finally {
      clearTimeout(t);
    }
  }
}

function close(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}

/** Reads and discards for `ms`, so the server sees a reading peer. */
function drain(conn: Deno.Conn, ms: number): Promise<void> {
  const stop = Date.now() + ms;
  return (async () => {
    const buf = new Uint8Array(65536);
    try {
      while (Date.now() < stop) if ((await conn.read(buf)) === null) return;
    } catch { /* closed */ }
  })();
}

async function upgraded(): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(enc.encode(
    `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
  ));
  return conn;
}

const ATTACKS: Record<string, () => Promise<void>> = {
  async emptyContinuations() {
    const c = await upgraded();
    await c.write(clientFrame(0x1, "{", { fin: false }));
    await writeFor(c, repeated(clientFrame(0x0, "", { fin: false }), 32 * 1024), 3000);
    close(c);
  },
  async pingsNotReading() {
    const c = await upgraded();
    await writeFor(c, repeated(clientFrame(0x9, "x".repeat(125)), 32 * 1024), 3000);
    close(c);
  },
  async pongsReading() {
    const c = await upgraded();
    const reading = drain(c, 3000);
    await writeFor(c, repeated(clientFrame(0xa, ""), 16 * 1024), 3000);
    close(c);
    await reading;
  },
  async bigUndecodable() {
    const c = await upgraded();
    const reading = drain(c, 3000);
    await writeFor(c, clientFrame(0x1, "x".repeat(60_000)), 3000);
    close(c);
    await reading;
  },
  async pipelinedNeverRead() {
    const c = await Deno.connect({ hostname: "127.0.0.1", port });
    const get = enc.encode("GET /static/app.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    await writeFor(c, repeated(get, get.length * 100), 500);
    await new Promise((r) => setTimeout(r, 2500));
    close(c);
  },
  async pipelinedSmall() {
    const c = await Deno.connect({ hostname: "127.0.0.1", port });
    const get = enc.encode("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    await writeFor(c, repeated(get, get.length * 100), 500);
    await new Promise((r) => setTimeout(r, 2500));
    close(c);
  },
  async crHead() {
    const c = await Deno.connect({ hostname: "127.0.0.1", port });
    c.setNoDelay(true);
    await c.write(enc.encode("GET / HTTP/1.1\r\n"));
    const cr = new Uint8Array([0x0d]);
    const stop = Date.now() + 3000;
    try {
      for (let i = 0; Date.now() < stop && i < 10_000; i++) {
        await c.write(cr);
        if (i % 16 === 0) await new Promise((r) => setTimeout(r, 1));
      }
    } catch { /* closed */ }
    close(c);
  },
  async badHost() {
    const c = await Deno.connect({ hostname: "127.0.0.1", port });
    await c.write(enc.encode("GET /static/app.css HTTP/1.1\r\nHost: x\\metrics?\r\n\r\n"));
    await drain(c, 500);
    close(c);
  },
  async closeCodes() {
    const c = await upgraded();
    const code = Math.floor(Math.random() * 65536);
    await c.write(clientFrame(0x8, new Uint8Array([code >> 8, code & 255])));
    await drain(c, 500);
    close(c);
  },
  async hugeFrame() {
    const c = await upgraded();
    const reading = drain(c, 3000);
    await c.write(clientFrame(0x1, new Uint8Array(0), { declaredLength: 60_000_000 }));
    await writeFor(c, new Uint8Array(1 << 20), 3000);
    close(c);
    await reading;
  },
  async silentUpgrade() {
    const c = await upgraded();
    await drain(c, 3000);
    close(c);
  },
};

/** An optional comma-separated list of attacks (to find which one costs what). */
const only = Deno.args[3]?.split(",").filter(Boolean) ?? [];
const names = only.length > 0 ? only : Object.keys(ATTACKS);

async function peer(): Promise<void> {
  while (Date.now() < until) {
    const name = names[Math.floor(Math.random() * names.length)]!;
    counts[name] = (counts[name] ?? 0) + 1;
    try {
      await ATTACKS[name]!();
    } catch {
      counts.failed = (counts.failed ?? 0) + 1;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

await Promise.all(Array.from({ length: peers }, () => peer()));
console.log(JSON.stringify(counts));
Deno.exit(0);
