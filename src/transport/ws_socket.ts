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
 * - writes are queued and coalesced, and `bufferedAmount` is what is queued;
 *   each write waits its turn in one `WriteScheduler` for the process, which
 *   issues at most about 100 per event-loop turn (see `write_scheduler.ts`);
 * - (issue 13) everything it holds for the peer — the read buffer, an
 *   incomplete frame, fragments, queued frames and pongs — is charged to the
 *   connection's `ConnectionAccount`: an inbound charge refused closes 1009,
 *   an outbound one 4009 (the peer does not read);
 * - every frame and every byte read counts toward the peer's `PeerRate`
 *   (control frames and fragments here, messages where the connection layer
 *   takes them), closing 4029 after repeated violations; a ping over the
 *   rate is not answered;
 * - `writeStalledSince` tells the `Sweeper` when a write stopped
 *   progressing, so a peer that does not read is dropped after the close timeout.
 * @module
 */
import { accountLimit, ConnectionAccount } from "./account.ts";
import type { PeerRate } from "./peer_rate.ts";
import { closeFrame, encodeFrame, FrameDecoder, OPCODE, textFrame } from "./ws_frames.ts";
import { FrameSender, type SenderHost } from "./ws_sender.ts";
import { sharedWriteScheduler, type WriteScheduler } from "./write_scheduler.ts";
import { CLOSE } from "../protocol/codes.ts";
import { LOCAL_CLOSE_CODES } from "../protocol/close_codes.ts";

/** Where bytes are written (a `Deno.Conn` is one). */
export interface ByteWriter {
  /** Writes from `p`; the number of bytes written. */
  write(p: Uint8Array): Promise<number>;
}

/** A byte stream (a `Deno.Conn` is one). */
export interface ByteStream extends ByteWriter {
  /** Reads into `p`; the number of bytes read, or null at the end. */
  read(p: Uint8Array): Promise<number | null>;
  /**
   * What writes go to when this stream only passes them on (a wrapper's
   * connection): a fan-out then touches one object per write, not two.
   * Unset: the stream itself.
   */
  readonly writer?: ByteWriter;
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
/** Size of each connection's read buffer (kept small: idle connections hold one). */
const READ_BUFFER_BYTES = 2048;

/** Options of a `ServerWebSocket`. */
export interface SocketOptions {
  /** Largest message accepted (else close 1009). */
  readonly maxPayload: number;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** The connection's account (default: one of `accountLimit(maxPayload)`). */
  readonly account?: ConnectionAccount;
  /** The peer's rate limit (default: none at this layer). */
  readonly rate?: PeerRate;
  /** The queue its writes wait their turn in (default: the process's, `sharedWriteScheduler()`). */
  readonly scheduler?: WriteScheduler;
}

/** Closes the socket sends itself for a full account or the rate (PROTOCOL.md §4). */
const TOO_SLOW = CLOSE.slowConsumer;
const textEncoder = new TextEncoder();
const RATE_LIMITED = CLOSE.rateLimited;

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
  /** What the peer has made this connection hold. */
  readonly account: ConnectionAccount;
  /** The peer's rate limit, shared with the connection layer (null: none here). */
  readonly rate: PeerRate | null;
  #state: number = READY.open;
  readonly #sender: FrameSender;
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
    this.account = options.account ??
      new ConnectionAccount(accountLimit(options.maxPayload));
    this.rate = options.rate ?? null;
    this.#decoder = new FrameDecoder(options.maxPayload, this.account);
    this.#sender = new FrameSender(
      stream,
      this.account,
      new SocketAsHost(this),
      prelude,
      options.scheduler ?? sharedWriteScheduler(),
      options.now,
    );
    this.lastReceived = options.now();
    this.#initial = initial;
    this.account.chargeAnyway(READ_BUFFER_BYTES);
  }

  /** Starts writing (the 101 first) and reading. */
  start(): void {
    if (this.#started || this.#ended) return;
    this.#started = true;
    this.#sender.start();
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
    return this.#sender.bufferedAmount;
  }

  /** When the write under way last made progress (0: no write is out), for the write deadline. */
  get writeStalledSince(): number {
    return this.#sender.writeStalledSince;
  }

  /**
   * Sends a text message; ignored once the socket is closing.
   * @param data the message
   */
  send(data: string): void {
    if (this.#state !== READY.open) return;
    this.#sender.data(textFrame(data));
  }

  /**
   * Sends one text message as fragments, each produced when less than 64 KiB
   * wait to be written, so a large message (a `SNAPSHOT`) is never queued
   * whole; messages sent meanwhile follow it (see `FrameSender.stream`).
   * @param message the text message, or its UTF-8 bytes (shared: never modified)
   * @returns resolves once its last fragment is queued: true, or false if the socket closed first
   */
  sendStreamed(message: string | Uint8Array): Promise<boolean> {
    if (this.#state !== READY.open) return Promise.resolve(false);
    return this.#sender.stream(
      typeof message === "string" ? textEncoder.encode(message) : message,
    );
  }

  /**
   * Sends a protocol ping (the `Sweeper` times the answer).
   */
  ping(): void {
    if (this.#state !== READY.open) return;
    this.pingSentAt = this.#o.now();
    this.#sender.control(encodeFrame(OPCODE.ping, new Uint8Array(0)));
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
    this.#sender.control(closeFrame(code, reason));
    this.#sender.stopStream();
  }

  /**
   * Ends the stream now, without waiting for the peer (close timeout, shutdown).
   * @param code the code reported to `onclose` (1006: abnormal)
   */
  terminate(code: number = LOCAL_CLOSE_CODES.abnormal): void {
    this.#end(this.#sentCloseCode || code, this.#sentCloseReason, false);
  }

  /** The account refused a frame: the peer does not read. */
  overflowed(): void {
    this.close(TOO_SLOW, "too slow to read");
  }

  /**
   * A write made no progress for the close timeout: the peer does not read,
   * so no close frame could reach it either. The connection ends at once and
   * reports 4009 (too slow to read), not an anonymous 1006.
   */
  writeStalled(): void {
    this.terminate(TOO_SLOW);
  }

  /**
   * A write failed: the stream is gone.
   * @param error what the runtime reported
   */
  writeFailed(error: unknown): void {
    this.onerror?.({ error });
    this.#end(LOCAL_CLOSE_CODES.abnormal, "", false);
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
        this.#end(
          this.#sentCloseCode || LOCAL_CLOSE_CODES.abnormal,
          this.#sentCloseReason,
          this.#sentCloseCode !== 0,
        );
        return;
      }
      if (!this.#take(buf.subarray(0, n))) return;
    }
  }

  /** Handles bytes read; false when reading should stop. */
  #take(bytes: Uint8Array): boolean {
    const now = this.#o.now();
    this.lastReceived = now;
    this.pingSentAt = 0;
    if (this.#state !== READY.open) {
      this.#drained += bytes.length;
      if (this.#drained > DRAIN_LIMIT_BYTES) return false; // the close timeout ends it
    }
    this.rate?.chargeBytes(bytes.length, now);
    const framesBefore = this.#decoder.frames;
    const items = this.#decoder.push(bytes);
    // Fragments that completed no message are frames too: each takes a token.
    let fragments = this.#decoder.frames - framesBefore;
    for (const item of items) if (item.kind !== "violation") fragments--;
    for (let i = 0; i < fragments; i++) this.#admitFrame(now);
    for (const item of items) {
      switch (item.kind) {
        case "text":
        case "binary":
          if (this.#state === READY.open) this.onmessage?.({ data: item.data });
          break;
        case "ping":
          if (this.#admitFrame(now) && this.#state === READY.open) {
            this.#sender.reply(encodeFrame(OPCODE.pong, item.payload));
          }
          break;
        case "pong":
          this.#admitFrame(now);
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

  /** Takes a frame's token from the rate; a refusal is a violation, and enough of them close 4029. */
  #admitFrame(now: number): boolean {
    if (this.rate === null || this.rate.take(now)) return true;
    if (this.rate.violation(now)) this.close(RATE_LIMITED, "rate limit exceeded repeatedly");
    return false;
  }

  #peerClosed(code: number, reason: string): void {
    if (this.#state === READY.open) {
      // Echo the peer's code (1005 "no code" is not sent on the wire).
      this.#state = READY.closing;
      this.closingSince = this.#o.now();
      this.#sender.control(
        closeFrame(code === LOCAL_CLOSE_CODES.noStatus ? CLOSE.normal : code, ""),
      );
      this.#sender.stopStream();
      void this.#afterFlush().then(() => this.#end(code, reason, true));
      return;
    }
    // We closed first: the handshake is complete once our close frame is out.
    void this.#afterFlush().then(() => this.#end(this.#sentCloseCode, this.#sentCloseReason, true));
  }

  /** Resolves when nothing is queued any more (or the stream ended). */
  #afterFlush(): Promise<void> {
    return this.#sender.afterFlush();
  }

  #end(code: number, reason: string, wasClean: boolean): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#state = READY.closed;
    this.#sender.end();
    this.account.release(this.account.held);
    try {
      this.#stream.close();
    } catch { /* already closed */ }
    this.onclose?.({ code, reason, wasClean });
  }
}

/** The socket as its sender's host (a named seam rather than closures). */
class SocketAsHost implements SenderHost {
  readonly #socket: ServerWebSocket;
  /**
   * @param socket the socket that owns the sender
   */
  constructor(socket: ServerWebSocket) {
    this.#socket = socket;
  }
  isOpen(): boolean {
    return this.#socket.readyState === READY.open;
  }
  overflow(): void {
    this.#socket.overflowed();
  }
  failed(error: unknown): void {
    this.#socket.writeFailed(error);
  }
}
