/**
 * `ServerWebSocket`: the server's end of one WebSocket over a byte stream.
 * It speaks the part of the `WebSocket` interface the connection layer uses
 * (`readyState`, `bufferedAmount`, `send`, `close`, `onmessage`, `onclose`),
 * and owns what the runtime's WebSocket did not let us bound:
 * - a message over the limit is refused at its frame header (1009), a text
 *   message that is not UTF-8 closes 1007, a broken frame 1002;
 * - after a close, at most `DRAIN_LIMIT_BYTES` more are read (to find the
 *   peer's close frame); then reading stops, so a peer that keeps sending
 *   costs nothing more, and the connection is dropped when the peer has not
 *   completed the close within the close timeout (the `Sweeper` does that);
 * - writes are queued and coalesced, and `bufferedAmount` is what is queued.
 * @module
 */
import { closeFrame, encodeFrame, FrameDecoder, OPCODE, textFrame } from "./ws_frames.ts";

/** A byte stream (a `Deno.Conn` is one). */
export interface ByteStream {
  /** Reads into `p`; the number of bytes read, or null at the end. */
  read(p: Uint8Array): Promise<number | null>;
  /** Writes from `p`; the number of bytes written. */
  write(p: Uint8Array): Promise<number>;
  /** Closes the stream. */
  close(): void;
}

/** `WebSocket.readyState` values. */
export const READY = { connecting: 0, open: 1, closing: 2, closed: 3 } as const;

/** A message event (text as a string, binary as bytes). */
export interface MessageEventLike {
  /** The message: text as a string, binary as bytes. */
  readonly data: string | Uint8Array;
}
/** A close event: the code this end sent or received, and whether the handshake completed. */
export interface CloseEventLike {
  /** The close code. */
  readonly code: number;
  /** The close reason. */
  readonly reason: string;
  /** Whether both ends completed the closing handshake. */
  readonly wasClean: boolean;
}

/** Bytes read after a close before reading stops. */
export const DRAIN_LIMIT_BYTES = 256 * 1024;
/** Most bytes written in one write call (queued frames are coalesced up to this). */
const MAX_WRITE_BYTES = 64 * 1024;
/** Size of each connection's read buffer (kept small: idle connections hold one). */
const READ_BUFFER_BYTES = 2048;

/** Options of a `ServerWebSocket`. */
export interface SocketOptions {
  /** Largest message accepted (else close 1009). */
  readonly maxPayload: number;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
}

/** The server end of one WebSocket. */
export class ServerWebSocket {
  /** Called with every text or binary message. */
  onmessage: ((ev: MessageEventLike) => void) | null = null;
  /** Called once, when the connection has ended. */
  onclose: ((ev: CloseEventLike) => void) | null = null;
  /** Called before `onclose` when the stream failed. */
  onerror: ((ev: { readonly error: unknown }) => void) | null = null;

  readonly #stream: ByteStream;
  readonly #o: SocketOptions;
  readonly #decoder: FrameDecoder;
  #state: number = READY.open;
  #queue: Uint8Array[] = [];
  #queued = 0;
  /** A write is out: the kernel has not taken all of `#current` yet. */
  #writing = false;
  #current: Uint8Array = new Uint8Array(0);
  #currentAt = 0;
  /** Resolved when no write is out any more (or the stream ended). */
  #drainWaiters: Array<() => void> = [];
  #sentCloseCode = 0;
  #sentCloseReason = "";
  #drained = 0;
  #ended = false;
  /** When anything (a frame, a pong) last arrived. */
  lastReceived: number;
  /** When the close frame was sent (0: not yet), for the close timeout. */
  closingSince = 0;
  /** When a protocol ping was sent and not yet answered (0: none out). */
  pingSentAt = 0;

  #started = false;
  readonly #initial: Uint8Array | undefined;
  /** Called once the peer has been welcomed (its connection stops counting as pending). */
  onwelcomed: (() => void) | null = null;

  /**
   * A socket that writes nothing and reads nothing until `start()`; what is
   * sent before then is queued after `prelude`.
   * @param stream the connection
   * @param options limits and clock
   * @param prelude bytes written first (the 101 response)
   * @param initial bytes that arrived after the upgrade request (already read)
   */
  constructor(
    stream: ByteStream,
    options: SocketOptions,
    prelude: Uint8Array,
    initial?: Uint8Array,
  ) {
    this.#stream = stream;
    this.#o = options;
    this.#decoder = new FrameDecoder(options.maxPayload);
    this.lastReceived = options.now();
    this.#initial = initial;
    this.#queue.push(prelude);
    this.#queued = prelude.length;
  }

  /** Starts writing (the 101 first) and reading. */
  start(): void {
    if (this.#started || this.#ended) return;
    this.#started = true;
    if (this.#queue.length > 0) this.#write(this.#takeChunk());
    void this.#readLoop(this.#initial);
  }

  /** Marks the peer as welcomed (authenticated); called by the connection layer. */
  welcomed(): void {
    const f = this.onwelcomed;
    this.onwelcomed = null;
    f?.();
  }

  /** `WebSocket.readyState`. */
  get readyState(): number {
    return this.#state;
  }

  /** Bytes queued and not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.#queued;
  }

  /**
   * Sends a text message; ignored once the socket is closing.
   * @param data the message
   */
  send(data: string): void {
    if (this.#state !== READY.open) return;
    this.#enqueue(textFrame(data));
  }

  /**
   * Sends a protocol ping (the `Sweeper` times the answer).
   */
  ping(): void {
    if (this.#state !== READY.open) return;
    this.pingSentAt = this.#o.now();
    this.#enqueue(encodeFrame(OPCODE.ping, new Uint8Array(0)));
  }

  /**
   * Starts the closing handshake: sends a close frame and stops taking
   * messages. The stream ends when the peer answers, or when the close
   * timeout drops it.
   * @param code the close code
   * @param reason a short reason
   */
  close(code = 1000, reason = ""): void {
    if (this.#state !== READY.open) return;
    this.#state = READY.closing;
    this.#sentCloseCode = code;
    this.#sentCloseReason = reason;
    this.closingSince = this.#o.now();
    this.#enqueue(closeFrame(code, reason));
  }

  /**
   * Ends the stream now, without waiting for the peer (close timeout, shutdown).
   * @param code the code reported to `onclose` (1006: abnormal)
   */
  terminate(code = 1006): void {
    this.#end(this.#sentCloseCode || code, this.#sentCloseReason, false);
  }

  #enqueue(frame: Uint8Array): void {
    this.#queued += frame.length;
    if (this.#writing || !this.#started) this.#queue.push(frame);
    else this.#write(frame);
  }

  // The write path is callbacks, not an async loop: a fan-out calls it once
  // per client per event, and each await of an async function costs promises
  // of its own on top of the write's.
  #write(chunk: Uint8Array): void {
    this.#writing = true;
    this.#current = chunk;
    this.#currentAt = 0;
    this.#stream.write(chunk).then(this.#onWritten, this.#onWriteFailed);
  }

  readonly #onWritten = (n: number): void => {
    if (this.#ended) return this.#idle();
    const chunk = this.#current;
    this.#currentAt += n;
    if (this.#currentAt < chunk.length) {
      this.#stream.write(chunk.subarray(this.#currentAt)).then(
        this.#onWritten,
        this.#onWriteFailed,
      );
      return;
    }
    this.#queued -= chunk.length;
    if (this.#queue.length > 0) this.#write(this.#takeChunk());
    else this.#idle();
  };

  readonly #onWriteFailed = (error: unknown): void => {
    this.#idle();
    this.onerror?.({ error });
    this.#end(1006, "", false);
  };

  #idle(): void {
    this.#writing = false;
    this.#current = new Uint8Array(0);
    const waiting = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiting) resolve();
  }

  /** The next bytes to write: one frame, or several small ones coalesced. */
  #takeChunk(): Uint8Array {
    const first = this.#queue.shift()!;
    if (this.#queue.length === 0 || first.length >= MAX_WRITE_BYTES) return first;
    let size = first.length;
    let n = 0;
    while (n < this.#queue.length && size + this.#queue[n]!.length <= MAX_WRITE_BYTES) {
      size += this.#queue[n]!.length;
      n++;
    }
    if (n === 0) return first;
    const out = new Uint8Array(size);
    out.set(first);
    let at = first.length;
    for (const f of this.#queue.splice(0, n)) {
      out.set(f, at);
      at += f.length;
    }
    return out;
  }

  async #readLoop(initial?: Uint8Array): Promise<void> {
    if (initial && initial.length > 0 && !this.#take(initial)) return;
    const buf = new Uint8Array(READ_BUFFER_BYTES);
    while (!this.#ended) {
      let n: number | null;
      try {
        n = await this.#stream.read(buf);
      } catch (error) {
        if (!this.#ended) this.onerror?.({ error });
        n = null;
      }
      if (n === null) {
        // The peer went away; a close we started counts as completed.
        this.#end(this.#sentCloseCode || 1006, this.#sentCloseReason, this.#sentCloseCode !== 0);
        return;
      }
      if (!this.#take(buf.subarray(0, n))) return;
    }
  }

  /** Handles bytes read; false when reading should stop. */
  #take(bytes: Uint8Array): boolean {
    this.lastReceived = this.#o.now();
    this.pingSentAt = 0;
    if (this.#state !== READY.open) {
      this.#drained += bytes.length;
      if (this.#drained > DRAIN_LIMIT_BYTES) return false; // the close timeout ends it
    }
    for (const item of this.#decoder.push(bytes)) {
      switch (item.kind) {
        case "text":
        case "binary":
          if (this.#state === READY.open) this.onmessage?.({ data: item.data });
          break;
        case "ping":
          if (this.#state === READY.open) this.#enqueue(encodeFrame(OPCODE.pong, item.payload));
          break;
        case "pong":
          break;
        case "close":
          this.#peerClosed(item.code, item.reason);
          return false;
        case "violation":
          this.close(item.code, item.reason);
          return this.#state !== READY.closed;
        default: {
          const never: never = item;
          throw new TypeError(`unhandled frame ${JSON.stringify(never)}`);
        }
      }
    }
    return !this.#ended;
  }

  #peerClosed(code: number, reason: string): void {
    if (this.#state === READY.open) {
      // Echo the peer's code (1005 "no code" is not sent on the wire).
      this.#state = READY.closing;
      this.closingSince = this.#o.now();
      this.#enqueue(closeFrame(code === 1005 ? 1000 : code, ""));
      void this.#afterFlush().then(() => this.#end(code, reason, true));
      return;
    }
    // We closed first: the handshake is complete once our close frame is out.
    void this.#afterFlush().then(() => this.#end(this.#sentCloseCode, this.#sentCloseReason, true));
  }

  /** Resolves when nothing is queued any more (or the stream ended). */
  #afterFlush(): Promise<void> {
    if (!this.#writing || this.#ended) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  #end(code: number, reason: string, wasClean: boolean): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#state = READY.closed;
    this.#queue = [];
    this.#queued = 0;
    const waiting = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiting) resolve();
    try {
      this.#stream.close();
    } catch { /* already closed */ }
    this.onclose?.({ code, reason, wasClean });
  }
}
