/**
 * `Readiness`: whether the database (and the broker, if configured) answer.
 * Checked on a timer so commands read a cached answer; `/readyz` checks now.
 * @module
 */
import type { Clock, TimerHandle } from "../clock.ts";
import type { Logger } from "../log/logger.ts";

/** A dependency that answers or throws. */
export interface Probe {
  readonly name: string;
  readonly ping: () => Promise<void>;
}

/** The answer of a readiness check. */
export type ReadyState =
  | { readonly ready: true }
  | { readonly ready: false; readonly reason: string };

/** Tracks whether the process may serve protocol traffic. */
export class Readiness {
  #state: ReadyState = { ready: false, reason: "starting" };
  #probes: readonly Probe[] = [];
  #timer: TimerHandle | null = null;
  #checking: Promise<ReadyState> | null = null;

  /**
   * @param clock timers
   * @param logger where changes are logged
   * @param timeoutMs how long a probe may take
   */
  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly timeoutMs = 1000,
  ) {}

  /** The last known state. */
  get state(): ReadyState {
    return this.#state;
  }

  /** Whether the last check passed. */
  isReady(): boolean {
    return this.#state.ready;
  }

  /**
   * Starts checking these probes every `everyMs`.
   * @param probes the dependencies
   * @param everyMs the period
   */
  start(probes: readonly Probe[], everyMs = 1000): void {
    this.#probes = probes;
    this.#timer ??= this.clock.setInterval(() => void this.check(), everyMs);
  }

  /** Marks the process not ready (e.g. while stopping). */
  stop(reason: string): void {
    if (this.#timer !== null) this.clock.clearInterval(this.#timer);
    this.#timer = null;
    this.#set({ ready: false, reason });
  }

  /** Checks every probe now (concurrent calls share one check). */
  check(): Promise<ReadyState> {
    if (this.#timer === null && this.#probes.length === 0) return Promise.resolve(this.#state);
    this.#checking ??= this.#run().finally(() => {
      this.#checking = null;
    });
    return this.#checking;
  }

  async #run(): Promise<ReadyState> {
    for (const probe of this.#probes) {
      try {
        await withTimeout(probe.ping(), this.timeoutMs, `${probe.name} did not answer in time`);
      } catch (e) {
        return this.#set({ ready: false, reason: `${probe.name}: ${(e as Error).message}` });
      }
    }
    return this.#set({ ready: true });
  }

  #set(state: ReadyState): ReadyState {
    if (state.ready !== this.#state.ready) {
      if (state.ready) this.logger.info("ready");
      else this.logger.warn("not ready", { reason: state.reason });
    }
    this.#state = state;
    return state;
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
