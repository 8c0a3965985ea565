/**
 * A client of the fault suite: one WebSocket at a time to a random process,
 * resumed with `{epoch, last_seq}` after every drop as the SDK does, hopping
 * to another process now and then, giving up on a silent server, and
 * recording every connection and what it received (`ConnectionRecord`).
 * Commands sent on a connection that ends before their answer are
 * indeterminate.
 * @module
 */
import type { ConnectionRecord, Op, Outcome } from "./history.ts";
import type { Prng } from "./prng.ts";

/** Frames as parsed JSON. */
// deno-lint-ignore no-explicit-any
export type Frame = Record<string, any>;

/** How a peer behaves. */
export interface PeerOptions {
  readonly name: string;
  readonly token: string;
  readonly rng: Prng;
  /** WebSocket URLs of the processes. */
  readonly urls: readonly string[];
  readonly now: () => number;
  /** Where connection records go (shared by all peers of a run). */
  readonly connections: ConnectionRecord[];
  /** Where the outcome of each `CL` goes. */
  readonly ops: Op[];
  /** Mean time between voluntary hops to another process (ms). */
  readonly hopMs: number;
  /** Each new in-order event. */
  readonly onEvent?: (frame: Frame) => void;
  /** The items of each `SNAPSHOT`. */
  readonly onSnapshot?: (items: Frame[]) => void;
}

/** Nothing received for this long (heartbeats included) means the server is gone. */
const SILENCE_MS = 2500;
/** A new connection must be welcomed within this. */
const WELCOME_MS = 3000;
const HEARTBEAT_MS = 500;

interface Live {
  readonly ws: WebSocket;
  readonly rec: ConnectionRecord;
  welcomed: boolean;
  lastFrameAt: number;
  readonly waiting: Map<string, (o: Outcome) => void>;
  ended: boolean;
  helloDone: boolean;
}

/** One client that keeps reconnecting and resuming until stopped. */
export class Peer {
  readonly #o: PeerOptions;
  #position: { epoch: string; seq: number } | null = null;
  #live: Live | null = null;
  #index = 0;
  #nextId = 0;
  #stopped = false;
  #timer: ReturnType<typeof setInterval>;
  #nextHopAt: number;

  /** Starts connecting at once. */
  constructor(options: PeerOptions) {
    this.#o = options;
    this.#nextHopAt = options.now() + options.rng.int(options.hopMs / 2, options.hopMs * 3 / 2);
    this.#timer = setInterval(() => this.#tick(), HEARTBEAT_MS);
    this.#connect();
  }

  /** The user's name. */
  get name(): string {
    return this.#o.name;
  }

  /** The last contiguous position, or null before the first snapshot. */
  get position(): { epoch: string; seq: number } | null {
    return this.#position;
  }

  /** Whether a welcomed connection is open now. */
  get connected(): boolean {
    return this.#live?.welcomed === true && !this.#live.ended;
  }

  /**
   * Sends a command on the current connection and waits for its answer.
   * @param frame the command without `id`
   * @param timeoutMs how long to wait
   * @returns the process it went to and the outcome, or null when no connection was welcomed
   */
  request(frame: Frame, timeoutMs: number): Promise<{ process: number; outcome: Outcome } | null> {
    const live = this.#live;
    if (!live || !live.welcomed || live.ended || live.ws.readyState !== WebSocket.OPEN) {
      return Promise.resolve(null);
    }
    const id = `${this.#o.name}-${++this.#nextId}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle({ kind: "indeterminate", why: "timeout" }), timeoutMs);
      const settle = (outcome: Outcome) => {
        clearTimeout(timer);
        live.waiting.delete(id);
        resolve({ process: live.rec.process, outcome });
      };
      live.waiting.set(id, settle);
      try {
        live.ws.send(JSON.stringify({ ...frame, id }));
      } catch {
        settle({ kind: "indeterminate", why: "send failed" });
      }
    });
  }

  /** Waits until the peer's position reaches `head` on a welcomed connection. */
  async caughtUp(head: number, timeoutMs: number): Promise<boolean> {
    const end = this.#o.now() + timeoutMs;
    while (this.#o.now() < end) {
      if (this.connected && (this.#position?.seq ?? -1) >= head) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  /** Closes for good. */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    if (this.#live) this.#leave(this.#live, 1000);
  }

  #connect(): void {
    if (this.#stopped) return;
    const process = this.#o.rng.int(0, this.#o.urls.length - 1);
    const rec: ConnectionRecord = {
      client: this.#o.name,
      index: -1,
      process,
      openedAt: this.#o.now(),
      resume: this.#position ? { epoch: this.#position.epoch, last_seq: this.#position.seq } : null,
      welcome: null,
      snapshotSeq: null,
      events: [],
      closedAt: null,
      closeCode: null,
      closedBy: null,
    };
    const url = this.#o.urls[process];
    if (url === undefined) throw new RangeError(`no URL for process ${process}`);
    const ws = new WebSocket(url);
    const live: Live = {
      ws,
      rec,
      welcomed: false,
      lastFrameAt: this.#o.now(),
      waiting: new Map(),
      ended: false,
      helloDone: false,
    };
    this.#live = live;
    ws.onopen = () => {
      if (live.ended) return;
      // Only connections that opened are recorded: a refused one carried nothing.
      (rec as { index: number }).index = this.#index++;
      this.#o.connections.push(rec);
      const resume = rec.resume ? { resume: rec.resume } : {};
      ws.send(JSON.stringify({ type: "CL", id: "hello", token: this.#o.token, ...resume }));
    };
    ws.onmessage = (ev) => this.#onMessage(live, String(ev.data));
    ws.onclose = (ev) => this.#ended(live, ev.code, "server");
    ws.onerror = () => {/* the close follows */};
  }

  #onMessage(live: Live, text: string): void {
    if (live.ended) return;
    live.lastFrameAt = this.#o.now();
    const f = JSON.parse(text) as Frame;
    switch (f.type) {
      case "WELCOME":
        live.rec.welcome = { epoch: f.epoch, seq: f.seq, resumed: f.resumed };
        live.welcomed = true;
        this.#hello(live, { kind: "ack", seq: f.seq, duplicate: false });
        return;
      case "SNAPSHOT":
        live.rec.snapshotSeq = f.seq;
        this.#position = { epoch: live.rec.welcome?.epoch ?? "", seq: f.seq };
        this.#o.onSnapshot?.(f.items ?? []);
        return;
      case "EVENT":
        return this.#onEvent(live, f, text);
      case "ACK":
      case "ERROR": {
        if (f.id === "hello") {
          this.#hello(live, { kind: "error", code: String(f.code) });
          return this.#leave(live, 4000);
        }
        const settle = live.waiting.get(String(f.id));
        settle?.(
          f.type === "ACK"
            ? { kind: "ack", seq: f.seq, duplicate: f.duplicate === true }
            : { kind: "error", code: String(f.code) },
        );
        return;
      }
      default:
        return; // HEARTBEAT, PRESENCE
    }
  }

  /** Records how a `CL` ended (once per opened connection). */
  #hello(live: Live, outcome: Outcome): void {
    if (live.helloDone || live.rec.index < 0) return;
    live.helloDone = true;
    this.#o.ops.push({
      client: this.#o.name,
      kind: "hello",
      responseId: 0,
      process: live.rec.process,
      via: "ws",
      start: live.rec.openedAt,
      end: this.#o.now(),
      outcome,
    });
  }

  #onEvent(live: Live, f: Frame, text: string): void {
    live.rec.events.push({ seq: f.seq, text, at: this.#o.now() });
    const pos = this.#position;
    if (!pos) return;
    if (f.seq === pos.seq + 1) {
      pos.seq = f.seq;
      this.#o.onEvent?.(f);
    } else if (f.seq > pos.seq + 1) {
      this.#leave(live, 4000); // a gap: reconnect with the last contiguous seq
    }
  }

  #tick(): void {
    const live = this.#live;
    if (!live || live.ended) return;
    const now = this.#o.now();
    if (!live.welcomed && now - live.rec.openedAt > WELCOME_MS) return this.#leave(live, 4000);
    if (live.welcomed && now - live.lastFrameAt > SILENCE_MS) return this.#leave(live, 4000);
    if (live.welcomed && now >= this.#nextHopAt) {
      this.#nextHopAt = now + this.#o.rng.int(this.#o.hopMs / 2, this.#o.hopMs * 3 / 2);
      return this.#leave(live, 1000);
    }
    if (live.welcomed && live.ws.readyState === WebSocket.OPEN) {
      live.ws.send(JSON.stringify({ type: "HEARTBEAT" }));
    }
  }

  /** The client ends a connection by itself (and moves on at once, not waiting for the close). */
  #leave(live: Live, code: number): void {
    try {
      live.ws.close(code);
    } catch { /* already closing */ }
    this.#ended(live, code, "client");
  }

  #ended(live: Live, code: number, by: "client" | "server"): void {
    if (live.ended) return;
    live.ended = true;
    live.rec.closedAt = this.#o.now();
    live.rec.closeCode = code;
    live.rec.closedBy = by;
    if (!live.welcomed) this.#hello(live, { kind: "indeterminate", why: `ended (${code})` });
    for (const settle of [...live.waiting.values()]) {
      settle({ kind: "indeterminate", why: `connection ended (${code})` });
    }
    if (this.#live === live) this.#live = null;
    if (!this.#stopped) setTimeout(() => this.#connect(), this.#o.rng.int(50, 400));
  }
}
