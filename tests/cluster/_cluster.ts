/**
 * Helpers for tests of a supervisor with several workers on one port: which
 * worker answers. `/stats` names the answering process (`process.pid`,
 * `process.worker`) and lists its clients; each request goes over a fresh TCP
 * connection, so the kernel's `SO_REUSEPORT` hash picks a worker anew.
 * @module
 */
import type { TestClient } from "../_support/ws_client.ts";

/** What `/stats` says of the process that answered. */
export interface ProcessStats {
  readonly pid: number;
  readonly worker: number | null;
  readonly clientIds: readonly string[];
  /** The pids of the processes in the cluster view (`nodes`), as this process sees them. */
  readonly nodePids: readonly number[];
}

/**
 * `GET /stats` over a new connection (`Connection: close`).
 * @param port the server's port on 127.0.0.1
 * @param token an admin token
 * @returns the answering process and its clients
 * @throws {Error} on a status other than 200
 */
export async function statsOnce(port: number, token: string): Promise<ProcessStats> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(
      `GET /stats HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\n` +
        "Connection: close\r\n\r\n",
    ));
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(65536);
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
    const text = new TextDecoder().decode(concat(chunks));
    const split = text.indexOf("\r\n\r\n");
    if (!text.startsWith("HTTP/1.1 200")) throw new Error(`/stats: ${text.slice(0, 200)}`);
    const body = JSON.parse(text.slice(split + 4));
    return {
      pid: body.process.pid,
      worker: body.process.worker,
      clientIds: (body.clients as Array<{ id: string }>).map((c) => c.id),
      nodePids: ((body.nodes ?? []) as Array<{ pid: number }>).map((n) => n.pid),
    };
  } finally {
    try {
      conn.close();
    } catch { /* closed by the server */ }
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Asks `/stats` over fresh connections until `count` distinct processes have answered.
 * @param port the port
 * @param token an admin token
 * @param count how many processes to find
 * @param timeoutMs how long to try
 * @returns the latest answer of each process, by pid
 * @throws {Error} when fewer answer in time
 */
export async function findProcesses(
  port: number,
  token: string,
  count: number,
  timeoutMs = 20_000,
): Promise<Map<number, ProcessStats>> {
  const seen = new Map<number, ProcessStats>();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const s = await statsOnce(port, token);
      seen.set(s.pid, s);
      if (seen.size >= count) return seen;
    } catch { /* a worker is starting or stopping */ }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`only ${seen.size} of ${count} processes answered: ${[...seen.keys()]}`);
}

/**
 * The pid of the worker each client is connected to.
 * @param port the port
 * @param token an admin token
 * @param clients the clients (welcomed) with their `client_id`s
 * @param workers how many workers there are
 * @returns client id → pid
 */
export async function workerOfClients(
  port: number,
  token: string,
  clients: ReadonlyArray<{ id: string }>,
  workers: number,
): Promise<Map<string, number>> {
  const all = await findProcesses(port, token, workers);
  const out = new Map<string, number>();
  for (const [pid, s] of all) {
    for (const id of s.clientIds) out.set(id, pid);
  }
  for (const c of clients) {
    if (!out.has(c.id)) throw new Error(`client ${c.id} is on no worker that answered`);
  }
  return out;
}

/** A welcomed test client and its `client_id`. */
export interface Placed {
  readonly client: TestClient;
  readonly id: string;
}
