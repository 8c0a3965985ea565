/**
 * A WebSocket test client: frames are queued as they arrive and awaited by
 * predicate, so tests read like the protocol.
 * @module
 */

/** A received frame (parsed JSON). */
// deno-lint-ignore no-explicit-any
export type Frame = Record<string, any>;

/** A connected test client. */
export class TestClient {
  readonly socket: WebSocket;
  readonly frames: Frame[] = [];
  /** Every frame ever received, in order. */
  readonly history: Frame[] = [];
  readonly #waiters: Array<{ match: (f: Frame) => boolean; resolve: (f: Frame) => void }> = [];
  /** Resolves with the close event. */
  readonly closed: Promise<CloseEvent>;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => {
      socket.addEventListener("close", (ev) => resolve(ev));
    });
    socket.addEventListener("message", (ev) => {
      const frame = JSON.parse(ev.data as string) as Frame;
      this.history.push(frame);
      const w = this.#waiters.find((w) => w.match(frame));
      if (w) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(frame);
      } else {
        this.frames.push(frame);
      }
    });
  }

  /**
   * Opens a connection.
   * @param url the `/ws` URL
   * @param init headers or protocols (Deno's WebSocket options)
   * @returns the client, once open
   */
  static async open(
    url: string,
    init?: { headers?: HeadersInit; client?: Deno.HttpClient },
  ): Promise<TestClient> {
    // deno-lint-ignore no-explicit-any
    const socket = new WebSocket(url, init as any);
    const c = new TestClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true });
      socket.addEventListener(
        "error",
        (e) => reject(new Error(`cannot connect: ${(e as ErrorEvent).message}`)),
        {
          once: true,
        },
      );
    });
    return c;
  }

  /** Sends a frame (an object is JSON-encoded). */
  send(frame: Frame | string): void {
    this.socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /**
   * Waits for the next frame matching a predicate (earlier unmatched frames stay queued).
   * @param match the predicate (any frame by default)
   * @param timeoutMs how long to wait
   * @returns the frame
   */
  next(match: (f: Frame) => boolean = () => true, timeoutMs = 5000): Promise<Frame> {
    const i = this.frames.findIndex(match);
    const found = this.frames[i];
    if (found) {
      this.frames.splice(i, 1);
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve: (f: Frame) => (clearTimeout(timer), resolve(f)) };
      const timer = setTimeout(() => {
        const k = this.#waiters.indexOf(waiter);
        if (k >= 0) this.#waiters.splice(k, 1);
        reject(
          new Error(
            `no matching frame within ${timeoutMs} ms; queued: ${
              JSON.stringify(this.frames).slice(0, 500)
            }`,
          ),
        );
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** Waits for the next frame of a type. */
  nextOf(type: string, timeoutMs = 5000): Promise<Frame> {
    return this.next((f) => f.type === type, timeoutMs);
  }

  /** Sends a command with an id and waits for the reply with that id. */
  async request(frame: Frame, timeoutMs = 5000): Promise<Frame> {
    const id = frame.id ?? crypto.randomUUID().slice(0, 8);
    this.send({ ...frame, id });
    return await this.next((f) => f.id === id, timeoutMs);
  }

  /**
   * `CL`, then waits for `WELCOME`.
   * @param token the token
   * @param resume the resume position
   * @returns the `WELCOME` frame
   */
  async hello(token: string, resume?: { epoch: string; last_seq: number }): Promise<Frame> {
    const welcome = await this.request({ type: "CL", token, ...(resume ? { resume } : {}) });
    if (welcome.type !== "WELCOME") {
      throw new Error(`expected WELCOME, got ${JSON.stringify(welcome)}`);
    }
    return welcome;
  }

  /** Waits until `count` events have arrived (in `history`), returns them. */
  async events(count: number, timeoutMs = 5000): Promise<Frame[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const evs = this.history.filter((f) => f.type === "EVENT");
      if (evs.length >= count) return evs;
      if (Date.now() > deadline) {
        throw new Error(
          `expected ${count} events, have ${evs.length}: ${JSON.stringify(evs.map((e) => e.seq))}`,
        );
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Closes the connection and waits for the close. */
  async close(code = 1000): Promise<void> {
    if (
      this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING
    ) {
      this.socket.close(code);
    }
    await this.closed;
  }
}
