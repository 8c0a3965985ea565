/**
 * The page's side of the socket worker (`socket_worker.ts`): a
 * `WebSocketLike` for the SDK whose socket lives in a dedicated worker, so
 * decoding and parsing a large `SNAPSHOT` never hold the page's thread. The
 * slices of a large message are gathered here, one small task each, and the
 * parsed frame goes to the client as `frame`. Where workers are missing, or
 * the worker failed to start once, the page's own `WebSocket` is used.
 * @module
 */
import type { CloseLike, MessageLike, WebSocketConstructor, WebSocketLike } from "../sdk/mod.ts";
import type { FromWorker, ToWorker } from "./socket_worker.ts";

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** Set once a worker failed before its socket opened: later sockets are the page's own. */
let workersFailed = false;

/** A frame being gathered from its slices. */
interface Gathering {
  readonly frame: Record<string, unknown>;
  readonly items: unknown[];
  readonly count: number;
}

/** A WebSocket whose connection lives in a worker running `script`. */
export class WorkerSocket implements WebSocketLike {
  /** Called when the connection opens. */
  onopen: ((ev: unknown) => void) | null = null;
  /** Called for each message (a large one parsed, as `frame`). */
  onmessage: ((ev: MessageLike) => void) | null = null;
  /** Called once when the connection ends. */
  onclose: ((ev: CloseLike) => void) | null = null;
  /** Called on an error (a close follows). */
  onerror: ((ev: unknown) => void) | null = null;
  #state = CONNECTING;
  readonly #worker: Worker;
  #gathering: Gathering | null = null;

  /**
   * Starts the worker and asks it to connect.
   * @param url the WebSocket endpoint
   * @param script the page's bundle, which serves the socket when run as a worker
   */
  constructor(url: string, script: string | URL) {
    this.#worker = new Worker(script, { type: "module", name: "review-socket" });
    this.#worker.onmessage = (ev: MessageEvent<FromWorker>) => this.#received(ev.data);
    this.#worker.onerror = (ev) => {
      ev.preventDefault();
      if (this.#state === CONNECTING) workersFailed = true;
      this.#ended(1006, "the socket worker failed");
    };
    this.#post({ t: "open", url });
  }

  /** `0` connecting, `1` open, `2` closing, `3` closed. */
  get readyState(): number {
    return this.#state;
  }

  /**
   * Sends a text frame.
   * @param data the text
   * @throws {DOMException} while still connecting, as a WebSocket does
   */
  send(data: string): void {
    if (this.#state === CONNECTING) {
      throw new DOMException("still connecting", "InvalidStateError");
    }
    if (this.#state === OPEN) this.#post({ t: "send", data });
  }

  /**
   * Starts the closing handshake.
   * @param code the close code
   * @param reason the reason
   */
  close(code?: number, reason?: string): void {
    if (this.#state >= CLOSING) return;
    this.#state = CLOSING;
    this.#post({
      t: "close",
      ...(code === undefined ? {} : { code }),
      ...(reason === undefined ? {} : { reason }),
    });
  }

  #post(message: ToWorker): void {
    this.#worker.postMessage(message);
  }

  #received(message: FromWorker): void {
    switch (message.t) {
      case "open":
        if (this.#state !== CONNECTING) return;
        this.#state = OPEN;
        return this.onopen?.({});
      case "text":
        return this.onmessage?.({ data: message.data });
      case "head":
        if (message.count === 0) return this.onmessage?.({ data: null, frame: message.frame });
        this.#gathering = { frame: message.frame, items: [], count: message.count };
        return;
      case "items": {
        const gathering = this.#gathering;
        if (!gathering) return;
        for (const item of message.items) gathering.items.push(item);
        if (gathering.items.length < gathering.count) return;
        this.#gathering = null;
        return this.onmessage?.({
          data: null,
          frame: { ...gathering.frame, items: gathering.items },
        });
      }
      case "close":
        return this.#ended(message.code, message.reason);
      default: {
        const unknown: never = message;
        return void unknown;
      }
    }
  }

  #ended(code: number, reason: string): void {
    if (this.#state === CLOSED) return;
    this.#state = CLOSED;
    this.#gathering = null;
    this.#worker.terminate();
    if (code === 1006) this.onerror?.({});
    this.onclose?.({ code, reason });
  }
}

/**
 * The WebSocket constructor for the page's client: one whose socket lives in
 * a worker running `script`, or the page's own `WebSocket` where workers are
 * missing or failed to start.
 * @param script the page's bundle (`import.meta.url` of `main.ts`)
 * @returns a constructor for `connect`'s `WebSocket` option
 */
export function pageSockets(script: string | URL): WebSocketConstructor {
  return class PageSocket implements WebSocketLike {
    readonly #inner: WebSocketLike;

    constructor(url: string) {
      this.#inner = typeof Worker === "function" && !workersFailed
        ? new WorkerSocket(url, script)
        // The DOM's handler types name `Event`; the SDK's surface takes any event.
        : new (WebSocket as unknown as WebSocketConstructor)(url);
    }

    get readyState(): number {
      return this.#inner.readyState;
    }
    get onopen(): WebSocketLike["onopen"] {
      return this.#inner.onopen;
    }
    set onopen(fn: WebSocketLike["onopen"]) {
      this.#inner.onopen = fn;
    }
    get onmessage(): WebSocketLike["onmessage"] {
      return this.#inner.onmessage;
    }
    set onmessage(fn: WebSocketLike["onmessage"]) {
      this.#inner.onmessage = fn;
    }
    get onclose(): WebSocketLike["onclose"] {
      return this.#inner.onclose;
    }
    set onclose(fn: WebSocketLike["onclose"]) {
      this.#inner.onclose = fn;
    }
    get onerror(): WebSocketLike["onerror"] {
      return this.#inner.onerror;
    }
    set onerror(fn: WebSocketLike["onerror"]) {
      this.#inner.onerror = fn;
    }
    send(data: string): void {
      this.#inner.send(data);
    }
    close(code?: number, reason?: string): void {
      this.#inner.close(code, reason);
    }
  };
}
