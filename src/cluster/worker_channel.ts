/**
 * `WorkerChannel`: a worker's end of the channel to its supervisor, over its
 * stdin (what the supervisor sends) and stdout (what it sends the
 * supervisor). It reads the `init` line, hands relayed events to the broker
 * (it is the `ClusterLink` of `ClusterBroker`), announces when the worker
 * listens, and tells the worker when the supervisor is gone (stdin ends: the
 * supervisor exited or was killed), so no worker outlives its supervisor and
 * keeps a share of the port.
 * @module
 */
import type { ClusterLink } from "../broker/cluster_broker.ts";
import type { TransportListener } from "../broker/broker.ts";
import type { Seq } from "../protocol/types.ts";
import { BoundedWriter } from "./bounded_writer.ts";
import { readLines } from "./lines.ts";
import { decodeToWorker, encodeFromWorker, type ToWorker } from "./wire.ts";

/** Longest line taken from the supervisor: a frame of `MAX_MESSAGE_BYTES`, escaped, and the tag. */
export const MAX_CHANNEL_LINE_BYTES = 64 * 1024 * 1024;
/** Bytes queued towards the supervisor before events are dropped. */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;

/** What the supervisor told the worker first. */
export type WorkerInit = Extract<ToWorker, { t: "init" }>;

/** A worker's channel to its supervisor. */
export class WorkerChannel implements ClusterLink {
  readonly #out: BoundedWriter;
  readonly #init = Promise.withResolvers<WorkerInit>();
  readonly #gone = Promise.withResolvers<void>();
  readonly #decoder = new TextDecoder();
  #listener: TransportListener | null = null;
  #up = true;
  #malformed = 0;

  /**
   * Starts reading at once.
   * @param input what the supervisor writes (the worker's stdin)
   * @param output where the worker writes to it (the worker's stdout)
   */
  constructor(input: ReadableStream<Uint8Array>, output: WritableStream<Uint8Array>) {
    this.#out = new BoundedWriter(output, MAX_PENDING_BYTES);
    readLines(input, (line) => this.#receive(line), {
      maxLineBytes: MAX_CHANNEL_LINE_BYTES,
      onOversize: () => this.#malformed++,
    }).catch(() => {/* a broken pipe ends the channel as EOF does */}).finally(() => {
      this.#up = false;
      this.#init.reject(new Error("the supervisor closed the channel before init"));
      this.#gone.resolve();
    });
    this.#init.promise.catch(() => {});
  }

  /** A worker's channel over its own stdin and stdout. @returns the channel */
  static fromStdio(): WorkerChannel {
    return new WorkerChannel(Deno.stdin.readable, Deno.stdout.writable);
  }

  /** Resolves with the supervisor's `init`; rejects when the channel ends first. */
  get init(): Promise<WorkerInit> {
    return this.#init.promise;
  }

  /** Resolves when the supervisor is gone (stdin ended). */
  get gone(): Promise<void> {
    return this.#gone.promise;
  }

  /** Whether the supervisor's end is open. */
  get up(): boolean {
    return this.#up && this.#out.open;
  }

  /** Lines from the supervisor that were not ours (never expected; counted for tests). */
  get malformed(): number {
    return this.#malformed;
  }

  #receive(bytes: Uint8Array): void {
    const message = decodeToWorker(this.#decoder.decode(bytes));
    if (message === null) {
      this.#malformed++;
      return;
    }
    switch (message.t) {
      case "init":
        this.#init.resolve(message);
        return;
      case "event":
        this.#listener?.(message.seq, message.payload);
        return;
      default: {
        const unreachable: never = message;
        throw new Error(`unknown message ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /** Tells the supervisor this worker listens. @returns false when the channel is closed */
  announceUp(): boolean {
    return this.#out.write(encodeFromWorker({ t: "up" }));
  }

  /**
   * Hands an event to the supervisor for the other workers.
   * @param seq the event's position
   * @param payload the signed payload
   * @returns false when dropped
   */
  send(seq: Seq, payload: string): boolean {
    return this.#out.write(encodeFromWorker({ t: "event", seq, payload }));
  }

  /** Sets or clears the receiver of relayed events. @param listener the receiver, or null */
  listen(listener: TransportListener | null): void {
    this.#listener = listener;
  }
}
