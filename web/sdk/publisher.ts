/**
 * `Publisher` (v1.2): the loop of a publishing module. It takes a job
 * (`TAKE`), calls the module's own function to post the reply on the
 * platform, reports the outcome (`PUBLISHED` or `PUBLISH_FAILED`), and takes
 * the next — at start, after every (re)connection, when a `queued` event
 * arrives, and at the `due_at` of a non-final `publish_failed`. It never
 * needs to poll; `pollMs` adds a poll for the cautious.
 *
 * A job with `maybe_applied: true` follows an attempt whose outcome was
 * never reported: the reply may already be on the platform, so the module's
 * function should look for it before posting again (docs/publishing.md).
 * @module
 */
import type {
  PublicationJob,
  PublishFailedEvent,
  QueuedEvent,
} from "../../src/protocol/publication_frames.ts";
import type { Platform } from "../../src/protocol/types.ts";
import type { Position } from "./sequencer.ts";
import type { AckResult, EventAck, StaleAck } from "../../src/protocol/acks.ts";
import { realTimers, type TimerHandle, type Timers } from "./timers.ts";

/** What the module's function says an attempt came to. */
export type PublishOutcome =
  | {
    /** The reply is on the platform. */
    readonly kind: "published";
    /** The platform's id of the reply (≤ 128 characters). */
    readonly platformRef?: string;
    /** The reply's https URL on the platform's host (≤ 512 characters). */
    readonly url?: string;
  }
  | {
    /** The attempt failed. */
    readonly kind: "failed";
    /** Why (≤ 1024 characters). */
    readonly reason: string;
    /** False: no later attempt can succeed (default true). */
    readonly retryable?: boolean;
    /** The platform's own wait before the next attempt (e.g. a 429's Retry-After). */
    readonly retryAfterMs?: number;
  };

/** Posts one reply on its platform; a throw counts as a retryable failure. */
export type PublishFunction = (job: PublicationJob) => Promise<PublishOutcome>;

/** The part of `ReviewClient` a publisher uses (a module's client). */
export interface PublisherClient {
  /** Subscribes to the client's events; returns the unsubscribe function. */
  on(kind: "queued", fn: (e: QueuedEvent) => void): () => void;
  /** Subscribes to the client's events; returns the unsubscribe function. */
  on(kind: "publish_failed", fn: (e: PublishFailedEvent) => void): () => void;
  /** Subscribes to the client's events; returns the unsubscribe function. */
  on(kind: "synced", fn: (p: Position) => void): () => void;
  /** `TAKE`. */
  take(options: { platforms?: readonly Platform[]; max?: number }): Promise<PublicationJob[]>;
  /** `PUBLISHED`. */
  published(
    responseId: number,
    attempt: number,
    where: { platformRef?: string; url?: string },
  ): Promise<AckResult<EventAck>>;
  /** `PUBLISH_FAILED`. */
  publishFailed(
    responseId: number,
    attempt: number,
    reason: string,
    options: { retryable?: boolean; retryAfterMs?: number },
  ): Promise<AckResult<EventAck> | AckResult<StaleAck>>;
  /** The server's time estimate (ms since the epoch). */
  serverNow(): number;
}

/** Options of a `Publisher`. */
export interface PublisherOptions {
  /** Only jobs of these platforms; default: any. */
  readonly platforms?: readonly Platform[];
  /** Jobs per `TAKE` (1–20; default 1: each job is leased only while it is worked on). */
  readonly max?: number;
  /** Time; default the runtime's timers. */
  readonly timers?: Timers;
  /** Also take every this many ms (0: never; default 0 — events suffice). */
  readonly pollMs?: number;
  /** Told of a failed `TAKE` or report (the loop goes on). */
  readonly onError?: (error: unknown, job: PublicationJob | null) => void;
}

/** What a publisher did. */
export interface PublisherStats {
  /** Jobs taken. */
  taken: number;
  /** Jobs reported published. */
  published: number;
  /** Jobs reported failed. */
  failed: number;
}

/** The take → publish → report loop of one module. */
export class Publisher {
  readonly #client: PublisherClient;
  readonly #publish: PublishFunction;
  readonly #o: PublisherOptions;
  readonly #timers: Timers;
  readonly #offs: (() => void)[] = [];
  readonly #stats: PublisherStats = { taken: 0, published: 0, failed: 0 };
  #running: Promise<void> | null = null;
  #again = false;
  #started = false;
  #wake: { at: number; handle: TimerHandle } | null = null;
  #poll: TimerHandle | null = null;

  /**
   * A publisher over a module's client; nothing runs until `start`.
   * @param client the module's `ReviewClient`
   * @param publish posts one reply on its platform
   * @param options platforms, batch size, timers
   */
  constructor(client: PublisherClient, publish: PublishFunction, options: PublisherOptions = {}) {
    this.#client = client;
    this.#publish = publish;
    this.#o = options;
    this.#timers = options.timers ?? realTimers;
  }

  /** A copy of the counters. */
  get stats(): PublisherStats {
    return { ...this.#stats };
  }

  /** Starts the loop: takes at once, then on the events that say work is due. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    const c = this.#client;
    this.#offs.push(
      c.on("queued", (e) => this.#wakeAt(Date.parse(e.due_at))),
      c.on("publish_failed", (e) => {
        if (!e.final && e.due_at !== null) this.#wakeAt(Date.parse(e.due_at));
      }),
      c.on("synced", () => this.wake()),
    );
    const poll = this.#o.pollMs ?? 0;
    if (poll > 0) this.#poll = this.#timers.setInterval(() => this.wake(), poll);
    this.wake();
  }

  /** Stops taking; the job under way is finished and reported. @returns when it is */
  async stop(): Promise<void> {
    this.#started = false;
    for (const off of this.#offs.splice(0)) off();
    if (this.#wake) this.#timers.clearTimeout(this.#wake.handle);
    this.#wake = null;
    if (this.#poll !== null) this.#timers.clearInterval(this.#poll);
    this.#poll = null;
    await this.#running;
  }

  /** Takes now (a call while the loop runs makes it take once more when the queue looked empty). */
  wake(): void {
    if (!this.#started) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#loop().finally(() => {
      this.#running = null;
    });
  }

  /** Wakes at a server time (`due_at`), at once when it has come. */
  #wakeAt(serverMs: number): void {
    const delay = Number.isNaN(serverMs) ? 0 : serverMs - this.#client.serverNow();
    if (delay <= 0) return this.wake();
    const at = this.#timers.now() + delay;
    if (this.#wake && this.#wake.at <= at) return;
    if (this.#wake) this.#timers.clearTimeout(this.#wake.handle);
    const handle = this.#timers.setTimeout(() => {
      this.#wake = null;
      this.wake();
    }, delay);
    this.#wake = { at, handle };
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      while (this.#started && (await this.runOnce()) > 0) { /* the next batch */ }
    } while (this.#again && this.#started);
  }

  /**
   * Takes one batch, publishes each job and reports it.
   * @returns how many jobs were taken (0: the queue had nothing due)
   */
  async runOnce(): Promise<number> {
    let jobs: PublicationJob[];
    try {
      jobs = await this.#client.take({
        ...(this.#o.platforms === undefined ? {} : { platforms: this.#o.platforms }),
        max: this.#o.max ?? 1,
      });
    } catch (error) {
      this.#o.onError?.(error, null);
      return 0;
    }
    this.#stats.taken += jobs.length;
    for (const job of jobs) await this.#run(job);
    return jobs.length;
  }

  async #run(job: PublicationJob): Promise<void> {
    let outcome: PublishOutcome;
    try {
      outcome = await this.#publish(job);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      outcome = { kind: "failed", reason: reason.slice(0, 1024) || "publish threw" };
    }
    try {
      if (outcome.kind === "published") {
        await this.#client.published(job.response_id, job.attempt, {
          ...(outcome.platformRef === undefined ? {} : { platformRef: outcome.platformRef }),
          ...(outcome.url === undefined ? {} : { url: outcome.url }),
        });
        this.#stats.published++;
      } else {
        await this.#client.publishFailed(job.response_id, job.attempt, outcome.reason, {
          ...(outcome.retryable === undefined ? {} : { retryable: outcome.retryable }),
          ...(outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs }),
        });
        this.#stats.failed++;
      }
    } catch (error) {
      // Unreported, the lease lapses and the next attempt carries maybe_applied.
      this.#o.onError?.(error, job);
    }
  }
}
