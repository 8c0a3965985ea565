/**
 * `WriteScheduler`: one first-in first-out queue of the sockets that have
 * bytes to write, issuing at most `perTurn` writes per event-loop turn and
 * then yielding (`setImmediate`) before the next batch.
 *
 * Why: all JavaScript runs in one tokio task, whose cooperative budget is 128
 * I/O operations per poll. Only the first 128 `Deno.Conn.write()` calls of a
 * turn complete in their eager poll; the rest go through the op driver, which
 * about doubles their cost (`../shared/notes/transport-writes.md`). A fan-out
 * to 9000 sockets in one turn paid that for 8872 of them; in batches of about
 * 100, every write completes eagerly.
 *
 * A request is served a microtask later, not at once: the frames a socket is
 * given in one synchronous stretch (a `WELCOME` and the `SNAPSHOT` after it,
 * a reply and the event it caused) then go out as one write, not one each;
 * a write costs a system call and a promise whatever its size (issue 18: a
 * connecting client's frames took four writes, now two).
 *
 * The scheduler knows nothing of frames or accounts: each `ScheduledWriter`
 * (a socket's `FrameSender`) keeps its own queue, order, coalescing and
 * charges, waits here at most once at a time, and when its turn comes issues
 * one write of what it holds then. A socket whose write is slow waits on its
 * own write, not here, so it blocks no one; an ended socket's turn writes
 * nothing and costs no place in the batch.
 * @module
 */
import { setImmediate } from "node:timers";

/** Writes per event-loop turn by default: below tokio's 128, leaving room for reads and accepts. */
export const DEFAULT_WRITES_PER_TURN = 100;

/** Something with bytes to write, waiting for its turn. */
export interface ScheduledWriter {
  /**
   * Its turn: issues one write of what it holds now.
   * @returns true when a write was issued, false when it had nothing to write (it ended)
   */
  writeTurn(): boolean;
}

/** How the scheduler waits: for the end of this synchronous stretch, and for a later turn. */
export interface TurnYield {
  /**
   * Runs `next` once the code running now has finished, in this turn.
   * @param next what to run then
   */
  soon(next: () => void): void;
  /**
   * Runs `next` in a later event-loop turn.
   * @param next what to run then
   */
  later(next: () => void): void;
}

/**
 * `queueMicrotask` for the end of this stretch; `setImmediate` from
 * `node:timers` for a later turn: after the I/O of this turn, before timers
 * of the next.
 */
export const IMMEDIATE_TURNS: TurnYield = {
  soon(next: () => void): void {
    queueMicrotask(next);
  },
  later(next: () => void): void {
    setImmediate(next);
  },
};

/** The process's write queue. */
export class WriteScheduler {
  /** Most writes issued in one event-loop turn. */
  readonly perTurn: number;
  readonly #turns: TurnYield;
  #waiting: ScheduledWriter[] = [];
  #head = 0;
  /** Writes issued since the last yield. */
  #issued = 0;
  /** A later turn is scheduled (it resets `#issued` and drains the queue). */
  #yielding = false;
  /** A drain at the end of this stretch is scheduled. */
  #soon = false;

  /**
   * Creates an empty scheduler.
   * @param perTurn most writes per event-loop turn (at least 1)
   * @param turns how to wait for the next turn (default: `setImmediate`)
   */
  constructor(perTurn: number = DEFAULT_WRITES_PER_TURN, turns: TurnYield = IMMEDIATE_TURNS) {
    this.perTurn = Math.max(1, Math.floor(perTurn));
    this.#turns = turns;
  }

  /** Writers waiting for their turn. */
  get waiting(): number {
    return this.#waiting.length - this.#head;
  }

  /**
   * Asks for a turn: the write is issued at the end of this synchronous
   * stretch while this turn has room, else when its place in the queue comes
   * in a later turn. Either way in first-in first-out order.
   * @param writer what has bytes to write (at most one request out at a time)
   */
  request(writer: ScheduledWriter): void {
    this.#waiting.push(writer);
    if (this.#issued < this.perTurn && !this.#soon) {
      this.#soon = true;
      this.#turns.soon(this.#endOfStretch);
    }
  }

  readonly #endOfStretch = (): void => {
    this.#soon = false;
    this.#issue();
  };

  readonly #nextTurn = (): void => {
    this.#yielding = false;
    this.#issued = 0;
    this.#issue();
  };

  /** Issues waiting writes while this turn has room, then makes sure a later turn comes if needed. */
  #issue(): void {
    while (this.#issued < this.perTurn) {
      const writer = this.#shift();
      if (writer === undefined) break;
      if (run(writer)) this.#issued++;
    }
    this.#yieldIfBusy();
  }

  /** While writes were issued this turn or writers wait, a later turn must come to reset and drain. */
  #yieldIfBusy(): void {
    if (this.#yielding || (this.#issued === 0 && this.waiting === 0)) return;
    this.#yielding = true;
    this.#turns.later(this.#nextTurn);
  }

  #shift(): ScheduledWriter | undefined {
    if (this.#head >= this.#waiting.length) return undefined;
    const writer = this.#waiting[this.#head]!;
    this.#waiting[this.#head] = undefined as unknown as ScheduledWriter;
    this.#head++;
    if (this.#head === this.#waiting.length) {
      this.#waiting = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#head);
      this.#head = 0;
    }
    return writer;
  }
}

/** A writer's turn; one that throws has issued its write (it handles its own failure). */
function run(writer: ScheduledWriter): boolean {
  try {
    return writer.writeTurn();
  } catch {
    return true;
  }
}

let shared: WriteScheduler | null = null;

/**
 * The process's scheduler, for sockets given none: one queue for every
 * socket, as the budget it respects is one for the whole event loop.
 * @returns the shared scheduler (`DEFAULT_WRITES_PER_TURN`, `setImmediate`)
 */
export function sharedWriteScheduler(): WriteScheduler {
  shared ??= new WriteScheduler();
  return shared;
}
