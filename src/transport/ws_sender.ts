/**
 * `FrameSender`: the outbound half of a `ServerWebSocket` (as ws keeps
 * `sender.js` apart from `receiver.js`). It queues frames, coalesces small
 * ones into writes of at most 64 KiB, and charges everything it holds to
 * the connection's account — a frame the account refuses means the peer
 * does not read, and its host closes 4009. It streams a large text message
 * (a `SNAPSHOT`) as fragments made only while less than 64 KiB wait to be
 * written, holding the data messages sent meanwhile (data frames may not
 * interleave), and tells when its write under way last progressed, for the
 * write deadline. It does not write on its own: with bytes to write it waits
 * for its turn in the process's `WriteScheduler` (`write_scheduler.ts`), and
 * then writes what is queued at that moment, coalesced.
 * @module
 */
import { ChargedQueue, type ConnectionAccount } from "./account.ts";
import { encodeFrame, frameHeader, OPCODE } from "./ws_frames.ts";
import type { ScheduledWriter, WriteScheduler } from "./write_scheduler.ts";
import type { ByteStream, ByteWriter } from "./ws_socket.ts";

/** Most bytes written in one write call (queued frames are coalesced up to this). */
const MAX_WRITE_BYTES = 64 * 1024;
/** Bytes queued below which the next fragment of a streamed message is produced. */
const STREAM_LOW_WATER_BYTES = 64 * 1024;
/** Bytes per fragment of a streamed message (the payload is a view of the shared message). */
const STREAM_FRAGMENT_BYTES = 64 * 1024;

/** No bytes (the chunk when none is out). */
const EMPTY = new Uint8Array(0);

/** What a sender needs from the socket that owns it. */
export interface SenderHost {
  /** Whether data frames may still be sent (the socket is open). */
  isOpen(): boolean;
  /** The account refused a frame: the peer does not read what it is sent. */
  overflow(): void;
  /** A write failed: the stream is gone. */
  failed(error: unknown): void;
}

/** A text message being sent fragment by fragment. */
interface Streaming {
  readonly message: Uint8Array;
  at: number;
  readonly done: (ok: boolean) => void;
}

/** The write side of one WebSocket connection. */
export class FrameSender implements ScheduledWriter {
  /** Where writes go: the stream, or the connection it passes them to. */
  readonly #out: ByteWriter;
  readonly #account: ConnectionAccount;
  readonly #host: SenderHost;
  /** Milliseconds since the epoch: the server's clock, shared, not asked of the host per write. */
  readonly #now: () => number;
  readonly #scheduler: WriteScheduler;
  /**
   * The oldest frame waiting, kept out of `#queue`: in a fan-out a socket
   * holds one frame at a time, and a write then touches no queue (with
   * thousands of sockets, each object a write touches is a cache miss).
   * Never set while `#queue` holds frames, so it is always older than them.
   */
  #next: Uint8Array | null = null;
  /** The frames after `#next`. */
  readonly #queue: ChargedQueue<Uint8Array>;
  /** Frames waiting: `#next` and those in `#queue` (counted here, not asked of the queue). */
  #waiting = 0;
  /** Messages sent while a streamed one is out. */
  readonly #held: ChargedQueue<Uint8Array>;
  #streaming: Streaming | null = null;
  #queued = 0;
  #writeSince = 0;
  /**
   * Busy writing: waiting for a turn, or a write is out (the kernel has not
   * taken all of `#current` yet).
   */
  #writing = false;
  #current: Uint8Array = EMPTY;
  #currentAt = 0;
  /** Resolved when no write is out any more (or the sender ended). */
  #drainWaiters: Array<() => void> = [];
  #started = false;
  #ended = false;

  /**
   * A sender that writes nothing until `start()`; `prelude` goes first.
   * @param stream the connection
   * @param account what queued frames are charged to
   * @param host the socket: its state, and what to do on overflow or failure
   * @param prelude bytes written first (the 101 response)
   * @param scheduler the queue every write waits its turn in
   * @param now the clock (milliseconds since the epoch), for the write deadline
   */
  constructor(
    stream: ByteStream,
    account: ConnectionAccount,
    host: SenderHost,
    prelude: Uint8Array,
    scheduler: WriteScheduler,
    now: () => number,
  ) {
    this.#out = stream.writer ?? stream;
    this.#account = account;
    this.#host = host;
    this.#now = now;
    this.#scheduler = scheduler;
    this.#queue = new ChargedQueue(account, (b) => b.length);
    this.#held = new ChargedQueue(account, (b) => b.length);
    this.#account.chargeAnyway(prelude.length);
    this.#next = prelude;
    this.#waiting = 1;
    this.#queued = prelude.length;
  }

  /** Bytes queued and not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.#queued;
  }

  /** When the write under way last made progress (0: no write is out). */
  get writeStalledSince(): number {
    return this.#writeSince;
  }

  /** Starts writing what is queued. */
  start(): void {
    if (this.#started || this.#ended) return;
    this.#started = true;
    if (this.#hasQueued()) this.#awaitTurn();
  }

  /**
   * Sends a data frame (after a streamed message under way, if any).
   * @param frame the whole frame
   */
  data(frame: Uint8Array): void {
    if (this.#streaming === null) this.#enqueue(frame);
    else if (!this.#held.push(frame)) this.#host.overflow();
  }

  /**
   * Sends a control frame the peer asked for (a pong): charged like data.
   * @param frame the frame
   */
  reply(frame: Uint8Array): void {
    this.#enqueue(frame);
  }

  /**
   * Sends a control frame of the server's own (a ping, the close): at most a
   * few per connection, always taken, still counted.
   * @param frame the frame (at most 127 bytes)
   */
  control(frame: Uint8Array): void {
    this.#enqueue(frame, true);
  }

  /**
   * Streams one text message as fragments whose payloads are views of
   * `message`, which many connections may share (a fragment may end inside
   * a UTF-8 sequence: RFC 6455 checks the whole message, and so do clients).
   * @param message the text message as UTF-8 (shared: never modified)
   * @returns resolves once its last fragment is queued: true, or false if the socket closed first
   */
  stream(message: Uint8Array): Promise<boolean> {
    if (this.#streaming !== null) {
      this.data(encodeFrame(OPCODE.text, message));
      return Promise.resolve(this.#host.isOpen());
    }
    return new Promise((done) => {
      this.#streaming = { message, at: 0, done };
      this.#pump();
    });
  }

  /** Gives up a streamed message under way (the socket is closing); its promise says false. */
  stopStream(): void {
    this.#endStream(false);
  }

  /**
   * Resolves when no write is out any more (or the sender ended).
   * @returns the promise
   */
  afterFlush(): Promise<void> {
    if (!this.#writing || this.#ended) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Drops everything queued and stops writing (the stream ended). */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#next !== null) this.#account.release(this.#next.length);
    this.#next = null;
    this.#waiting = 0;
    this.#queue.clear();
    this.#queued = 0;
    this.#writeSince = 0;
    this.#endStream(false);
    const waiting = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiting) resolve();
  }

  /** Produces fragments of the streamed message while the queue is short. */
  #pump(): void {
    const s = this.#streaming;
    if (s === null) return;
    while (this.#queued < STREAM_LOW_WATER_BYTES && this.#host.isOpen()) {
      const end = Math.min(s.message.length, s.at + STREAM_FRAGMENT_BYTES);
      const last = end >= s.message.length;
      const opcode = s.at === 0 ? OPCODE.text : OPCODE.continuation;
      // The header alone, then the payload as a view: no copy of the shared bytes.
      this.#enqueue(frameHeader(opcode, end - s.at, last));
      this.#enqueue(s.message.subarray(s.at, end));
      s.at = end;
      if (last) return this.#endStream(this.#host.isOpen());
    }
    if (!this.#host.isOpen()) this.#endStream(false);
  }

  #endStream(ok: boolean): void {
    const s = this.#streaming;
    if (s === null) return;
    this.#streaming = null;
    if (ok) {
      for (let f = this.#held.shift(); f !== undefined; f = this.#held.shift()) this.#enqueue(f);
    } else this.#held.clear();
    s.done(ok && this.#host.isOpen());
  }

  /**
   * Queues a frame, charged to the account; one the account refuses is an
   * overflow. Control frames of the server's own are always taken.
   */
  #enqueue(frame: Uint8Array, control = false): void {
    if (this.#ended) return;
    if (this.#waiting === 0) {
      if (control) this.#account.chargeAnyway(frame.length);
      else if (!this.#account.charge(frame.length)) return this.#host.overflow();
      this.#next = frame;
    } else if (control) this.#queue.pushAnyway(frame);
    else if (!this.#queue.push(frame)) return this.#host.overflow();
    this.#waiting++;
    this.#queued += frame.length;
    if (!this.#writing && this.#started) this.#awaitTurn();
  }

  /** Whether frames wait to be written. */
  #hasQueued(): boolean {
    return this.#waiting > 0;
  }

  /** Waits for a turn in the scheduler (no write is out meanwhile: not stalled). */
  #awaitTurn(): void {
    this.#writing = true;
    this.#writeSince = 0;
    this.#scheduler.request(this);
  }

  /**
   * Its turn in the scheduler: writes the rest of a chunk the kernel took in
   * part, or what is queued now, coalesced.
   * @returns false when it ended while waiting (nothing written)
   */
  writeTurn(): boolean {
    if (this.#ended) {
      this.#idle();
      return false;
    }
    if (this.#currentAt >= this.#current.length) {
      this.#current = this.#takeChunk();
      this.#currentAt = 0;
    }
    this.#writeSince = this.#now();
    // The write path is callbacks, not an async loop: a fan-out calls it once
    // per client per event, and each await of an async function costs
    // promises of its own on top of the write's.
    let out: Promise<number>;
    try {
      out = this.#out.write(
        this.#currentAt === 0 ? this.#current : this.#current.subarray(this.#currentAt),
      );
    } catch (error) {
      this.#onWriteFailed(error);
      return true;
    }
    out.then(this.#onWritten, this.#onWriteFailed);
    return true;
  }

  readonly #onWritten = (n: number): void => {
    if (this.#ended) return this.#idle();
    const chunk = this.#current;
    this.#currentAt += n;
    // Every way on from here waits for a turn or goes idle, and both clear
    // the write's start: a time read here would never be seen.
    if (this.#currentAt < chunk.length) return this.#awaitTurn();
    this.#queued -= chunk.length;
    this.#account.release(chunk.length);
    this.#current = EMPTY;
    this.#currentAt = 0;
    if (this.#streaming !== null) this.#pump();
    if (this.#ended) return this.#idle();
    if (this.#hasQueued()) this.#awaitTurn();
    else this.#idle();
  };

  readonly #onWriteFailed = (error: unknown): void => {
    this.#idle();
    this.#host.failed(error);
  };

  #idle(): void {
    this.#writing = false;
    this.#writeSince = 0;
    this.#current = EMPTY;
    this.#currentAt = 0;
    // Once per write per client in a fan-out: no new array unless someone waits.
    if (this.#drainWaiters.length === 0) return;
    const waiting = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiting) resolve();
  }

  /**
   * The next bytes to write: one frame, or several small ones coalesced. Its
   * charge stays on the account, now for the write under way (released when
   * written).
   */
  #takeChunk(): Uint8Array {
    const first = this.#next ?? this.#queue.take()!;
    this.#next = null;
    // A fan-out's frame came alone: done without touching the queue.
    if (--this.#waiting === 0) return first;
    const parts = [first];
    let size = first.length;
    for (
      let next = this.#queue.peek();
      next !== undefined && size < MAX_WRITE_BYTES && size + next.length <= MAX_WRITE_BYTES;
      next = this.#queue.peek()
    ) {
      parts.push(this.#queue.take()!);
      this.#waiting--;
      size += next.length;
    }
    // The next did not fit beside it: this one alone, no copy.
    if (parts.length === 1) return first;
    const out = new Uint8Array(size);
    let at = 0;
    for (const f of parts) {
      out.set(f, at);
      at += f.length;
    }
    return out;
  }
}
