/**
 * `Readiness`: whether the process may serve protocol traffic, and the state
 * of what it depends on, for `/readyz`. The database decides: when it does
 * not answer (within the probe's timeout) the process is not ready. The
 * broker is reported — `ok`, `down`, or `off` when there is none — and never
 * decides (PROTOCOL §2, §3.3): while it is down, events travel through the
 * log. Checked on a timer so commands read a cached answer; `/readyz` checks
 * now. The two probes run side by side: a hung broker never changes the
 * answer and delays it by at most its own ping timeout (about a second).
 * @module
 */
import { deadline } from "../async/deadline.ts";
import type { Clock, TimerHandle } from "../clock.ts";
import type { Logger } from "../logging/logger.ts";
import type { BrokerState, DatabaseState, ReadyBody } from "../protocol/http_bodies.ts";

/** Answers when its dependency does; throws otherwise. */
export type Ping = () => Promise<void>;

/** What is checked: the database always, the broker when one is configured. */
export interface Probes {
  /** Pings the database. */
  readonly database: Ping;
  /** `null`: no broker is configured (reported `off`). */
  readonly broker: Ping | null;
}

/** The answer of a readiness check. */
export type ReadyState =
  | { readonly ready: true; readonly database: "ok"; readonly broker: BrokerState }
  | {
    readonly ready: false;
    readonly reason: string;
    readonly database: DatabaseState;
    readonly broker: BrokerState;
  };

/**
 * The `/readyz` body of a state.
 * @param state the readiness state
 * @returns `{status, database, broker}` and, when not ready, `reason`
 */
export function readyBody(state: ReadyState): ReadyBody {
  const { database, broker } = state;
  return state.ready
    ? { status: "ready", database, broker }
    : { status: "unavailable", database, broker, reason: state.reason };
}

/** Tracks whether the process may serve protocol traffic. */
export class Readiness {
  #state: ReadyState = { ready: false, reason: "starting", database: "down", broker: "off" };
  #probes: Probes | null = null;
  #timer: TimerHandle | null = null;
  #checking: Promise<ReadyState> | null = null;
  #stopped: string | null = null;

  /**
   * Creates a readiness check; `start()` begins probing.
   * @param clock timers
   * @param logger where changes are logged
   * @param timeoutMs how long a probe may take (the server passes `DB_TIMEOUT_MS`)
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
   * Starts checking the probes every `everyMs`.
   * @param probes the database and (if configured) the broker
   * @param everyMs the period
   */
  start(probes: Probes, everyMs = 1000): void {
    this.#probes = probes;
    this.#timer ??= this.clock.setInterval(() => void this.check(), everyMs);
  }

  /** Marks the process not ready for good (e.g. while stopping). */
  stop(reason: string): void {
    if (this.#timer !== null) this.clock.clearInterval(this.#timer);
    this.#timer = null;
    this.#stopped = reason;
    this.#set({ ...this.#state, ready: false, reason });
  }

  /** Checks every probe now (concurrent calls share one check). */
  check(): Promise<ReadyState> {
    if (this.#probes === null || this.#stopped !== null) return Promise.resolve(this.#state);
    this.#checking ??= this.#run(this.#probes).finally(() => {
      this.#checking = null;
    });
    return this.#checking;
  }

  async #run(probes: Probes): Promise<ReadyState> {
    const [database, broker] = await Promise.allSettled([
      this.#probe("database", probes.database),
      probes.broker === null ? Promise.resolve() : this.#probe("broker", probes.broker),
    ]);
    const brokerState: BrokerState = probes.broker === null
      ? "off"
      : broker.status === "fulfilled"
      ? "ok"
      : "down";
    if (brokerState !== this.#state.broker && this.#state.broker !== "off") {
      if (brokerState === "ok") this.logger.info("broker answers again");
      else {this.logger.warn("broker down; events between processes come from the log", {
          reason: broker.status === "rejected" ? (broker.reason as Error).message : undefined,
        });}
    }
    if (this.#stopped !== null) return this.#state;
    return this.#set(
      database.status === "fulfilled" ? { ready: true, database: "ok", broker: brokerState } : {
        ready: false,
        reason: `database: ${(database.reason as Error).message}`,
        database: "down",
        broker: brokerState,
      },
    );
  }

  #probe(name: string, ping: Ping): Promise<void> {
    return deadline(ping(), this.timeoutMs, () => new Error(`${name} did not answer in time`));
  }

  #set(state: ReadyState): ReadyState {
    if (state.ready !== this.#state.ready) {
      if (state.ready) this.logger.info("ready");
      else this.logger.warn("not ready", { reason: state.ready ? undefined : state.reason });
    }
    this.#state = state;
    return state;
  }
}
