/**
 * Requests awaiting their reply. Each request's promise settles exactly once:
 * by the first `ACK` or `ERROR` carrying its `id`, by its timeout, or when the
 * client closes. A request is (re)sent whenever a connection is ready, so one
 * made while disconnected waits, and one in flight when a connection drops is
 * sent again after the resume (the server answers a repeat as a duplicate).
 * @module
 */
import { errorFromFrame, ReviewError } from "./errors.ts";
import type { TimerHandle, Timers } from "./timers.ts";

/** A command that expects a reply. */
export type RequestFrame =
  | { readonly type: "SR"; readonly response_id: number }
  | { readonly type: "APPROVED"; readonly response_id: number; readonly text?: string }
  | { readonly type: "REJECTED"; readonly response_id: number; readonly reason?: string }
  | { readonly type: "CLAIM"; readonly response_id: number }
  | { readonly type: "RELEASE"; readonly response_id: number }
  | PublicationRequestFrame;

/** (v1.2) The publication pipeline's commands. */
export type PublicationRequestFrame =
  | { readonly type: "UNDO"; readonly response_id: number }
  | { readonly type: "RETRY"; readonly response_id: number }
  | { readonly type: "TAKE"; readonly platforms?: readonly string[]; readonly max?: number }
  | {
    readonly type: "PUBLISHED";
    readonly response_id: number;
    readonly attempt: number;
    readonly platform_ref?: string;
    readonly url?: string;
  }
  | {
    readonly type: "PUBLISH_FAILED";
    readonly response_id: number;
    readonly attempt: number;
    readonly reason: string;
    readonly retryable?: boolean;
    readonly retry_after_ms?: number;
  };

/** The result fields of an `ACK`. */
export interface Ack {
  /** The `seq` of the event the command appended (or of the original, for a duplicate). */
  readonly seq?: number;
  /** True when the server had already done this. */
  readonly duplicate?: boolean;
  /** The command's other result fields (e.g. `claimed_by`, `claim_until` for a claim). */
  readonly [field: string]: unknown;
}

interface Entry {
  readonly id: string;
  readonly frame: RequestFrame;
  readonly resolve: (ack: Ack) => void;
  readonly reject: (error: ReviewError) => void;
  timer: TimerHandle | null;
  sends: number;
}

/** Sends a frame's text; throws when the socket cannot take it. */
export type Send = (text: string) => void;

/** The table of requests awaiting their reply. */
export class RequestTable {
  readonly #entries = new Map<string, Entry>();
  readonly #timers: Timers;
  readonly #timeoutMs: number;
  #counter = 0;

  /**
   * @param timers the time source
   * @param timeoutMs how long a sent request waits for its reply
   */
  constructor(timers: Timers, timeoutMs: number) {
    this.#timers = timers;
    this.#timeoutMs = timeoutMs;
  }

  /** How many requests await a reply. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Registers a request, and sends it at once when a connection is ready.
   * @param frame the command
   * @param send the ready connection's sender, or null while disconnected
   * @returns the promise of its `ACK`
   */
  add(frame: RequestFrame, send: Send | null): Promise<Ack> {
    return new Promise<Ack>((resolve, reject) => {
      const entry: Entry = {
        id: `r${++this.#counter}`,
        frame,
        resolve,
        reject,
        timer: null,
        sends: 0,
      };
      this.#entries.set(entry.id, entry);
      if (send) this.#send(entry, send);
    });
  }

  /**
   * Sends every request not sent on the current connection, oldest first.
   * @param send the ready connection's sender
   */
  flush(send: Send): void {
    for (const entry of this.#entries.values()) {
      if (entry.timer === null) this.#send(entry, send);
    }
  }

  /**
   * Settles the request a reply names.
   * @param id the reply's `id`
   * @param frame the parsed `ACK` or `ERROR`
   * @returns false when no request awaits this id (a late or foreign reply)
   */
  settle(id: unknown, frame: Record<string, unknown>): boolean {
    const entry = typeof id === "string" ? this.#entries.get(id) : undefined;
    if (!entry) return false;
    this.#remove(entry);
    if (frame.type === "ACK") {
      const { type: _t, id: _i, ...result } = frame;
      entry.resolve(result as Ack);
    } else {
      entry.reject(errorFromFrame(frame));
    }
    return true;
  }

  /**
   * The connection dropped: every request will be sent again on the next
   * one — except a `TAKE` already sent: its jobs (if the server took any)
   * stay leased to this module until their leases lapse, so a second `TAKE`
   * would only take more. It rejects `unavailable` (retryable) instead.
   */
  disconnected(): void {
    for (const entry of [...this.#entries.values()]) {
      if (entry.frame.type === "TAKE" && entry.sends > 0) {
        this.#remove(entry);
        entry.reject(
          new ReviewError("unavailable", "the connection dropped before TAKE was answered", true),
        );
        continue;
      }
      this.#clearTimer(entry);
    }
  }

  /**
   * Rejects every request (the client is closing).
   * @param error the error to reject with
   */
  failAll(error: ReviewError): void {
    for (const entry of [...this.#entries.values()]) {
      this.#remove(entry);
      entry.reject(error);
    }
  }

  #send(entry: Entry, send: Send): void {
    try {
      send(JSON.stringify({ ...entry.frame, id: entry.id }));
    } catch {
      return; // the socket is going away; the next connection sends it
    }
    entry.sends++;
    entry.timer = this.#timers.setTimeout(() => {
      this.#remove(entry);
      entry.reject(
        new ReviewError(
          "timeout",
          `no reply to ${entry.frame.type} within ${this.#timeoutMs} ms`,
          true,
          { sends: entry.sends },
        ),
      );
    }, this.#timeoutMs);
  }

  #clearTimer(entry: Entry): void {
    if (entry.timer !== null) this.#timers.clearTimeout(entry.timer);
    entry.timer = null;
  }

  #remove(entry: Entry): void {
    this.#clearTimer(entry);
    this.#entries.delete(entry.id);
  }
}
