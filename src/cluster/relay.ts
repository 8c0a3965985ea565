/**
 * `Relay`: the supervisor's fan-out between its workers. Each worker's stdout
 * is read line by line; a control line (`CONTROL_MARK` first) that carries an
 * event is written, byte for byte without the mark, to the stdin of every
 * other worker attached now, never back to its publisher; `up` is reported to
 * the supervisor; any other line is the worker's own output and is passed
 * through. The relay neither parses nor checks events: the workers sign and
 * verify them (`SignedBroker`), so it is no authority.
 * @module
 */
import { BoundedWriter } from "./bounded_writer.ts";
import { CONTROL_MARK, decodeFromWorker } from "./wire.ts";

/** Bytes queued towards one worker before relayed events to it are dropped. */
const MAX_PENDING_PER_WORKER = 8 * 1024 * 1024;
const EVENT_PREFIX = new TextEncoder().encode('{"t":"event"');
const NEWLINE = 0x0a;

/** What a worker's line turned out to be. */
export type LineOutcome = "relayed" | "up" | "output" | "malformed";

/** The relay's counts. */
export interface RelayStats {
  /** Event lines taken from workers. */
  readonly events: number;
  /** Copies written to other workers. */
  readonly deliveries: number;
  /** Copies dropped (a worker's pipe was full or closed). */
  readonly dropped: number;
}

/** Relays events between the workers of one supervisor. */
export class Relay {
  readonly #peers = new Map<number, BoundedWriter>();
  #events = 0;
  #deliveries = 0;
  #dropped = 0;

  /**
   * Adds a worker's stdin as a destination (replacing a previous one of that index).
   * @param index the worker's index
   * @param stdin its stdin
   * @returns the writer (for the supervisor's own lines, such as `init`)
   */
  attach(index: number, stdin: WritableStream<Uint8Array>): BoundedWriter {
    const writer = new BoundedWriter(stdin, MAX_PENDING_PER_WORKER);
    this.#peers.set(index, writer);
    return writer;
  }

  /**
   * Removes a worker (it exited). Its pipe is left to the process.
   * @param index the worker's index
   * @param writer the writer `attach` returned (a newer one of that index stays)
   */
  detach(index: number, writer: BoundedWriter): void {
    if (this.#peers.get(index) === writer) this.#peers.delete(index);
  }

  /** The counts so far. */
  get stats(): RelayStats {
    return { events: this.#events, deliveries: this.#deliveries, dropped: this.#dropped };
  }

  /**
   * Handles one line a worker wrote on its stdout (without the newline).
   * @param from the writing worker's index
   * @param line the bytes
   * @returns what the line was (`output` lines are the caller's to print)
   */
  take(from: number, line: Uint8Array): LineOutcome {
    if (line[0] !== CONTROL_MARK) return "output";
    const body = line.subarray(1);
    if (startsWith(body, EVENT_PREFIX)) {
      this.#events++;
      const copy = new Uint8Array(body.length + 1);
      copy.set(body);
      copy[body.length] = NEWLINE;
      for (const [index, writer] of this.#peers) {
        if (index === from) continue;
        if (writer.write(copy)) this.#deliveries++;
        else this.#dropped++;
      }
      return "relayed";
    }
    const message = decodeFromWorker(new TextDecoder().decode(body));
    return message?.t === "up" ? "up" : "malformed";
  }
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}
