/**
 * `BoundedWriter`: writes lines to a pipe in order, without ever waiting on
 * it. While the reader is slow, lines queue up to a byte bound; past it a line
 * is dropped (and counted), never buffered without bound: the channel carries
 * hints (the event log is the truth), so a dropped line costs a log read on
 * the other side, while a full pipe must never stall the process writing it.
 * @module
 */

/** A writer's counts. */
export interface WriterStats {
  /** Bytes handed to the pipe and not yet taken by it. */
  readonly pendingBytes: number;
  /** Lines dropped because the bound was reached or the pipe was closed. */
  readonly dropped: number;
}

/** An ordered, bounded, never-blocking writer of one pipe. */
export class BoundedWriter {
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #maxPendingBytes: number;
  #pending = 0;
  #dropped = 0;
  #open = true;

  /**
   * A writer that drops lines rather than queue past a bound.
   * @param stream the pipe (locked by this writer from now on)
   * @param maxPendingBytes the most bytes queued before lines are dropped
   */
  constructor(stream: WritableStream<Uint8Array>, maxPendingBytes: number) {
    this.#writer = stream.getWriter();
    this.#maxPendingBytes = maxPendingBytes;
    this.#writer.closed.then(() => this.#open = false, () => this.#open = false);
  }

  /** Whether the pipe still takes lines. */
  get open(): boolean {
    return this.#open;
  }

  /** The counts so far. */
  get stats(): WriterStats {
    return { pendingBytes: this.#pending, dropped: this.#dropped };
  }

  /**
   * Queues a line (its bytes as given: include the newline).
   * @param line the bytes
   * @returns false when it was dropped (bound reached, or the pipe is closed)
   */
  write(line: Uint8Array): boolean {
    if (!this.#open || this.#pending + line.length > this.#maxPendingBytes) {
      this.#dropped++;
      return false;
    }
    this.#pending += line.length;
    this.#writer.write(line).then(
      () => this.#pending -= line.length,
      () => {
        this.#pending -= line.length;
        this.#open = false;
      },
    );
    return true;
  }

  /** Closes the pipe after the queued lines; never throws. */
  async close(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    await this.#writer.close().catch(() => {});
  }
}
