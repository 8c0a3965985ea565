/**
 * What the attack tests share: the server's resident memory from /proc, raw
 * TCP peers that speak just enough HTTP or WebSocket to misbehave, and an
 * operator whose heartbeat round trip is timed while others attack.
 * @module
 */
import { type RunningServer, startServer } from "../_support/server.ts";
import { clientFrame } from "../transport/_frames.ts";
import { SQLITE } from "./backends.ts";

const enc = new TextEncoder();

/**
 * Resident memory of a process, in MB. (Through `ps`: Deno lets a test read
 * another process's `/proc` entries only with `--allow-all`.)
 * @param pid the process
 * @returns its RSS in MB
 */
export async function rssMb(pid: number): Promise<number> {
  const out = await new Deno.Command("ps", { args: ["-o", "rss=", "-p", String(pid)] }).output();
  const kb = Number(new TextDecoder().decode(out.stdout).trim());
  if (!out.success || !Number.isFinite(kb)) throw new Error(`no process ${pid}`);
  return kb / 1024;
}

/**
 * Whether a process is still running (and no zombie).
 * @param pid the process
 * @returns true while it runs
 */
export async function alive(pid: number): Promise<boolean> {
  const out = await new Deno.Command("ps", { args: ["-o", "stat=", "-p", String(pid)] }).output();
  const stat = new TextDecoder().decode(out.stdout).trim();
  return out.success && stat !== "" && !stat.startsWith("Z");
}

/**
 * Opens a TCP connection and sends a WebSocket handshake; waits for the 101.
 * @param port the server's port
 * @param opts `forwardedFor`: an `X-Forwarded-For` header (as a trusted proxy would send)
 * @returns the connection, upgraded
 */
export async function upgradedPeer(
  port: number,
  opts: { forwardedFor?: string } = {},
): Promise<Deno.TcpConn> {
  const hostname = "127.0.0.1";
  const conn = await Deno.connect({ hostname, port });
  const xff = opts.forwardedFor ? `X-Forwarded-For: ${opts.forwardedFor}\r\n` : "";
  await writeAll(
    conn,
    enc.encode(
      `GET /ws HTTP/1.1\r\nHost: ${hostname}:${port}\r\n${xff}Upgrade: websocket\r\n` +
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
        "Sec-WebSocket-Version: 13\r\n\r\n",
    ),
  );
  const head = await readUntil(conn, "\r\n\r\n", 5000);
  if (!head.startsWith("HTTP/1.1 101")) throw new Error(`no upgrade: ${head.slice(0, 60)}`);
  return conn;
}

/**
 * Reads until `marker` arrives or the connection ends.
 * @param conn the connection
 * @param marker text to wait for
 * @param timeoutMs how long to wait
 * @returns what was read (latin1)
 */
export async function readUntil(
  conn: Deno.Conn,
  marker: string,
  timeoutMs: number,
): Promise<string> {
  const buf = new Uint8Array(4096);
  let text = "";
  const deadline = Date.now() + timeoutMs;
  while (!text.includes(marker) && Date.now() < deadline) {
    const n = await Promise.race([
      conn.read(buf),
      new Promise<"late">((r) => setTimeout(() => r("late"), Math.max(1, deadline - Date.now()))),
    ]);
    if (n === null || n === "late") break;
    text += new TextDecoder("latin1").decode(buf.subarray(0, n));
  }
  return text;
}

/**
 * Reads server frames until a close frame (or the end), discarding others.
 * @param conn the upgraded connection
 * @param timeoutMs how long to wait
 * @returns the close code, `"reset"` when the connection was reset or ended without one, `"timeout"`
 */
export async function awaitClose(
  conn: Deno.Conn,
  timeoutMs: number,
): Promise<number | "reset" | "timeout"> {
  const buf = new Uint8Array(65536);
  let pending = new Uint8Array(0);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // Parse what we have.
    while (pending.length >= 2) {
      const op = pending[0]! & 0x0f;
      let len = pending[1]! & 0x7f;
      let at = 2;
      if (len === 126) {
        if (pending.length < 4) break;
        len = (pending[2]! << 8) | pending[3]!;
        at = 4;
      } else if (len === 127) {
        if (pending.length < 10) break;
        len = Number(new DataView(pending.buffer, pending.byteOffset + 2, 8).getBigUint64(0));
        at = 10;
      }
      if (pending.length < at + len) break;
      if (op === 0x8) return len >= 2 ? (pending[at]! << 8) | pending[at + 1]! : 1005;
      pending = pending.slice(at + len);
    }
    const left = deadline - Date.now();
    if (left <= 0) return "timeout";
    let n: number | null | "late";
    try {
      n = await Promise.race([
        conn.read(buf),
        new Promise<"late">((r) => setTimeout(() => r("late"), left)),
      ]);
    } catch {
      return "reset";
    }
    if (n === "late") return "timeout";
    if (n === null) return "reset";
    const next = new Uint8Array(pending.length + n);
    next.set(pending);
    next.set(buf.subarray(0, n), pending.length);
    pending = next;
  }
}

/**
 * Writes all bytes.
 * @param conn the connection
 * @param bytes what to write
 */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await conn.write(bytes.subarray(at));
}

/**
 * Starts writing `total` bytes of payload (after `header`) and keeps going in
 * the background until the server stops reading or the connection ends.
 * @param conn the connection
 * @param header the frame header to send first
 * @param total payload bytes to send
 * @returns resolves when writing stopped (never rejects)
 */
export function pump(conn: Deno.Conn, header: Uint8Array, total: number): Promise<void> {
  return (async () => {
    const chunk = new Uint8Array(1 << 20).fill(0x61);
    await writeAll(conn, header);
    for (let sent = 0; sent < total; sent += chunk.length) {
      await writeAll(conn, chunk.subarray(0, Math.min(chunk.length, total - sent)));
    }
  })().catch(() => {});
}

/**
 * The header alone of a masked client text frame claiming `length` bytes.
 * @param length the claimed payload length
 * @param opts `fin: false` for the first fragment of a message
 * @returns the header bytes (with the mask key)
 */
export function frameHeader(
  length: number,
  opts: { fin?: boolean; opcode?: number } = {},
): Uint8Array {
  const full = clientFrame(opts.opcode ?? 0x1, new Uint8Array(0), {
    declaredLength: length,
    fin: opts.fin ?? true,
  });
  return full;
}

/**
 * Closes a connection, ignoring that it is already closed.
 * @param conn the connection
 */
export function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}

/**
 * Runs `fn` against a real server process on a fresh SQLite database, then
 * stops the server and removes the database.
 * @param env extra configuration
 * @param fn the attack
 * @param opts `nofile`: start it under `ulimit -n`
 */
export async function withServer(
  env: Record<string, string>,
  fn: (server: RunningServer) => Promise<void>,
  opts: { nofile?: number } = {},
): Promise<void> {
  const b = await SQLITE.create();
  const server = await startServer({ ...b.env, ...env }, opts);
  try {
    await fn(server);
  } finally {
    await server.stop();
    await b.dispose();
  }
}
