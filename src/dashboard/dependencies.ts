/**
 * `DependencyWatch`: the last known state of the database and the broker,
 * learnt from the probes readiness already runs each second (wrapped, so no
 * probe is added), exported as `ws_dependency_up` and read by the cluster view.
 * @module
 */
import type { Metrics } from "../metrics/metrics.ts";
import type { DependencyState } from "./figures.ts";

/** The dependencies watched. */
export type Dependency = "database" | "broker";

/** Records what each probe of a dependency came to. */
export class DependencyWatch {
  readonly #metrics: Metrics | undefined;
  readonly #timeoutMs: number;
  #database: DependencyState = "down";
  #broker: DependencyState;

  /**
   * Creates a watch: both count as down until a probe answers (the broker is `off` without one).
   * @param options `brokerConfigured`: whether a broker is set up (else it is `off`);
   * `timeoutMs`: a probe not settled by then counts as down; `metrics`: where the gauge goes
   */
  constructor(options: { brokerConfigured: boolean; timeoutMs?: number; metrics?: Metrics }) {
    this.#metrics = options.metrics;
    this.#timeoutMs = options.timeoutMs ?? 1000;
    this.#broker = options.brokerConfigured ? "down" : "off";
  }

  /** The last known states. */
  state(): { database: DependencyState; broker: DependencyState } {
    return { database: this.#database, broker: this.#broker };
  }

  /**
   * Wraps a probe so that each of its outcomes is recorded.
   * @param dependency which dependency it probes
   * @param ping the probe
   * @returns the same probe, recording
   */
  observe(dependency: Dependency, ping: () => Promise<void>): () => Promise<void> {
    return async () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<"late">((resolve) => {
        timer = setTimeout(() => resolve("late"), this.#timeoutMs);
      });
      const run = ping();
      try {
        if (await Promise.race([run, late]) === "late") this.#record(dependency, false);
        await run;
        this.#record(dependency, true);
      } catch (e) {
        this.#record(dependency, false);
        throw e;
      } finally {
        clearTimeout(timer);
      }
    };
  }

  /**
   * Records an outcome learnt elsewhere (e.g. a failed write).
   * @param dependency the dependency
   * @param up whether it answered
   */
  record(dependency: Dependency, up: boolean): void {
    this.#record(dependency, up);
  }

  #record(dependency: Dependency, up: boolean): void {
    if (dependency === "broker" && this.#broker === "off") return;
    const state: DependencyState = up ? "ok" : "down";
    if (dependency === "database") this.#database = state;
    else this.#broker = state;
    this.#metrics?.set("ws_dependency_up", up ? 1 : 0, { dependency });
  }
}
