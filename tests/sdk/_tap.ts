/**
 * A WebSocket that wraps the runtime's real one so a test can see what the
 * client sends, drop, repeat or swallow frames from the server, drop the
 * connection as a network would (close 1006), and keep new connections from
 * reaching the server (a closed gate).
 * @module
 */
import type {
  CloseLike,
  MessageLike,
  WebSocketConstructor,
  WebSocketLike,
} from "../../web/sdk/socket.ts";
import { freePort } from "../_support/server.ts";

/** What to do with one frame from the server. */
export type Verdict = "deliver" | "drop" | "twice";

/** The controls a test holds over every socket the client makes. */
export class Tap {
  /** While true, new connections go to a closed port and fail. */
  blocked = false;
  /** Decides each server frame's fate. */
  incoming: (frame: Record<string, unknown>, socket: TapSocket) => Verdict = () => "deliver";
  /** Every frame the client sent, with the index of the socket it went on. */
  readonly sent: Array<{ socket: number; frame: Record<string, unknown> }> = [];
  /** Every socket made. */
  readonly sockets: TapSocket[] = [];
  readonly #closedPort = freePort();

  /** The constructor to give the client. */
  get WebSocket(): WebSocketConstructor {
    // deno-lint-ignore no-this-alias
    const tap = this;
    return class extends TapSocket {
      constructor(url: string) {
        super(tap, tap.blocked ? `ws://127.0.0.1:${tap.#closedPort}/ws` : url);
      }
    };
  }

  /** The frames of one type the client sent. */
  sentOf(type: string): Array<{ socket: number; frame: Record<string, unknown> }> {
    return this.sent.filter((s) => s.frame.type === type);
  }
}

/** One wrapped connection. */
export class TapSocket implements WebSocketLike {
  readonly #real: WebSocket;
  readonly #tap: Tap;
  readonly index: number;
  #dropped = false;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: MessageLike) => void) | null = null;
  onclose: ((ev: CloseLike) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;

  /**
   * @param tap the controls
   * @param url where to connect
   */
  constructor(tap: Tap, url: string) {
    this.#tap = tap;
    this.index = tap.sockets.push(this) - 1;
    this.#real = new WebSocket(url);
    this.#real.onopen = (ev) => this.onopen?.(ev);
    this.#real.onerror = (ev) => this.onerror?.(ev);
    this.#real.onclose = (ev) => {
      if (!this.#dropped) this.onclose?.({ code: ev.code, reason: ev.reason });
    };
    this.#real.onmessage = (ev) => {
      if (this.#dropped) return;
      const verdict = tap.incoming(JSON.parse(ev.data as string), this);
      if (verdict === "drop") return;
      this.onmessage?.({ data: ev.data });
      if (verdict === "twice") this.onmessage?.({ data: ev.data });
    };
  }

  /** `readyState`, CLOSED once dropped. */
  get readyState(): number {
    return this.#dropped ? 3 : this.#real.readyState;
  }

  /** Sends and records a frame. */
  send(data: string): void {
    if (this.#dropped) throw new Error("dropped");
    this.#tap.sent.push({ socket: this.index, frame: JSON.parse(data) });
    this.#real.send(data);
  }

  /** Closes the real socket. */
  close(code?: number, reason?: string): void {
    try {
      this.#real.close(code, reason);
    } catch { /* already closed */ }
  }

  /** The network drops the connection: the client hears 1006 now, nothing more after. */
  drop(): void {
    if (this.#dropped) return;
    this.#dropped = true;
    try {
      this.#real.close();
    } catch { /* already closed */ }
    this.onclose?.({ code: 1006, reason: "dropped by the test" });
  }
}
