/**
 * An in-memory `Deno.Conn` for unit tests of the HTTP layer: the test pushes
 * the peer's bytes and reads what the server wrote; nothing touches a socket.
 * @module
 */
import { ConnectionAccount } from "../../src/transport/account.ts";
import { ConnectionBudget, type Counted } from "../../src/transport/budget.ts";
import { TrackedConn } from "../../src/transport/tracked_conn.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The peer's side of an in-memory connection. */
export class FakeConn {
  readonly written: Uint8Array[] = [];
  closed = false;
  readonly remoteAddr = { transport: "tcp", hostname: "10.0.0.1", port: 5555 } as const;
  #input: Uint8Array[] = [];
  #ended = false;
  #wake: (() => void) | null = null;

  /** The peer sends `text`. */
  push(text: string | Uint8Array): void {
    this.#input.push(typeof text === "string" ? encoder.encode(text) : text);
    this.#wake?.();
  }

  /** The peer ends its side (reads see the end of the stream). */
  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  async read(p: Uint8Array): Promise<number | null> {
    while (this.#input.length === 0) {
      if (this.#ended || this.closed) return null;
      await new Promise<void>((r) => this.#wake = r);
      this.#wake = null;
    }
    const head = this.#input[0]!;
    const n = Math.min(p.length, head.length);
    p.set(head.subarray(0, n));
    if (n === head.length) this.#input.shift();
    else this.#input[0] = head.subarray(n);
    return n;
  }

  write(p: Uint8Array): Promise<number> {
    if (this.closed) return Promise.reject(new Deno.errors.BadResource("closed"));
    this.written.push(p.slice());
    return Promise.resolve(p.length);
  }

  close(): void {
    this.closed = true;
    this.#wake?.();
  }

  /** Everything the server wrote, as text. */
  text(): string {
    return this.written.map((b) => decoder.decode(b)).join("");
  }
}

/**
 * A `TrackedConn` over a `FakeConn`, counted in a budget of its own.
 * @param now the time (ms), for deadlines
 * @returns the peer's side, the server's side and the budget
 */
export function trackedPair(now: () => number): {
  peer: FakeConn;
  conn: TrackedConn;
  budget: ConnectionBudget;
} {
  const peer = new FakeConn();
  const budget = new ConnectionBudget({ maxSockets: 10, maxPending: 10, maxPendingPerAddress: 10 });
  const counted = budget.admit(peer.remoteAddr.hostname, false) as Counted;
  const conn = new TrackedConn(
    peer as unknown as Deno.Conn,
    budget,
    counted,
    new ConnectionAccount(1 << 20),
    now,
  );
  return { peer, conn, budget };
}
