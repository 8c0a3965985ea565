/**
 * `ServingGate`: whether this process serves protocol traffic now. It is open
 * while the database (and broker) answered at the last check and the process
 * is not stopping; commands answer `unavailable` and upgrades 503 otherwise.
 * @module
 */
import type { Readiness } from "../http/readiness.ts";

/** The readiness probe the command handlers and the upgrade ask. */
export interface ReadinessProbe {
  /**
   * Whether commands may run now.
   * @returns true while ready and not stopping
   */
  readonly isReady: () => boolean;
  /**
   * Whether the process is stopping (no new connections).
   * @returns true once `close()` was called
   */
  readonly stopping: () => boolean;
}

/** The process's readiness and its stopping flag, in one place. */
export class ServingGate implements ReadinessProbe {
  readonly #readiness: Pick<Readiness, "isReady">;
  #stopping = false;

  /**
   * A gate over the periodic dependency check.
   * @param readiness the check of the database and broker
   */
  constructor(readiness: Pick<Readiness, "isReady">) {
    this.#readiness = readiness;
  }

  /**
   * Whether commands may run now (a bound method: handed on as `CommandDeps.isReady`).
   * @returns true while the dependencies answer and the process is not stopping
   */
  readonly isReady = (): boolean => this.#readiness.isReady() && !this.#stopping;

  /**
   * Whether the process is stopping (a bound method: handed on to the upgrade).
   * @returns true once closed
   */
  readonly stopping = (): boolean => this.#stopping;

  /** Closes the gate for good: the process is stopping. */
  close(): void {
    this.#stopping = true;
  }
}
