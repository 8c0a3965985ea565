/**
 * `Supervisor`: the first process when `WORKERS` > 1. It serves nothing
 * itself: it starts the workers (each listens on the one port with
 * `SO_REUSEPORT`, so the kernel spreads connections over them), relays events
 * between them (`Relay`), starts a dead one again (`RestartPolicy`), and on
 * `stop` asks every worker to drain (SIGTERM: each closes its clients 1012 and
 * finishes its commands), then ends once all have exited.
 *
 * Exit codes (`finished`): 0 after `stop`; 2 when a worker stopped at start
 * with code 2 (a configuration or start-up failure that never heals: starting
 * it again would fail the same way, so every worker is stopped instead).
 * @module
 */
import type { Clock, TimerHandle } from "../clock.ts";
import type { Logger } from "../logging/logger.ts";
import { readLines } from "./lines.ts";
import type { BoundedWriter } from "./bounded_writer.ts";
import { Relay } from "./relay.ts";
import {
  DEFAULT_RESTART_POLICY,
  RestartPolicy,
  type RestartPolicyOptions,
} from "./restart_policy.ts";
import { MAX_CHANNEL_LINE_BYTES } from "./worker_channel.ts";
import { encodeToWorker } from "./wire.ts";

/** A started worker process, as the supervisor sees it. */
export interface WorkerProcess {
  /** Its process id. */
  readonly pid: number;
  /** The channel to it (the first line carries its index and any development secret). */
  readonly stdin: WritableStream<Uint8Array>;
  /** The channel from it, and its ordinary output. */
  readonly stdout: ReadableStream<Uint8Array>;
  /** Resolves when it has exited. */
  readonly status: Promise<Deno.CommandStatus>;
  /**
   * Sends it a signal.
   * @param signal the signal
   */
  kill(signal: Deno.Signal): void;
}

/** Starts worker `index` (1…N). @throws when the process cannot be started now (tried again) */
export type LaunchWorker = (index: number) => WorkerProcess;

/** Options of a `Supervisor`. */
export interface SupervisorOptions {
  /** How many workers. */
  readonly workers: number;
  /** Starts one worker. */
  readonly launch: LaunchWorker;
  /** Time, for the restart backoff and the stop timeout. */
  readonly clock: Clock;
  /** Where restarts and exits are logged. */
  readonly logger: Logger;
  /** Development mode's secret, handed to every worker; null when `AUTH_SECRET` is set. */
  readonly secret: string | null;
  /** Receives each line a worker printed on stdout that is not the channel's (newline excluded). */
  readonly output: (line: Uint8Array) => void;
  /** Called when a worker says it listens. */
  readonly onUp?: (index: number, pid: number) => void;
  /** How crashed workers are restarted (default: at once, then 250 ms doubling to 10 s). */
  readonly restartPolicy?: RestartPolicyOptions;
  /** How long a worker may drain before it is killed, ms (default 30 000). */
  readonly stopTimeoutMs?: number;
}

interface Slot {
  readonly index: number;
  readonly policy: RestartPolicy;
  proc: WorkerProcess | null;
  startedAt: number;
  restartTimer: TimerHandle | null;
}

/** Supervises the workers of one port. */
export class Supervisor {
  readonly #o: SupervisorOptions;
  readonly #relay = new Relay();
  readonly #slots: Slot[];
  readonly #finished = Promise.withResolvers<number>();
  #stopping = false;
  #exitCode = 0;
  #killTimer: TimerHandle | null = null;

  /**
   * A supervisor that has started nothing yet.
   * @param options the workers, how to start one, time, logging
   */
  constructor(options: SupervisorOptions) {
    this.#o = options;
    this.#slots = Array.from({ length: options.workers }, (_, i) => ({
      index: i + 1,
      policy: new RestartPolicy(options.restartPolicy ?? DEFAULT_RESTART_POLICY),
      proc: null,
      startedAt: 0,
      restartTimer: null,
    }));
  }

  /** Resolves with the exit code once every worker has exited after `stop`. */
  get finished(): Promise<number> {
    return this.#finished.promise;
  }

  /** The pids of the running workers, by index (0 while one is being restarted). */
  get pids(): number[] {
    return this.#slots.map((s) => s.proc?.pid ?? 0);
  }

  /** The relay's counts. */
  get relayStats(): Relay["stats"] {
    return this.#relay.stats;
  }

  /** Starts every worker. */
  start(): void {
    for (const slot of this.#slots) this.#spawn(slot);
  }

  #spawn(slot: Slot): void {
    slot.restartTimer = null;
    if (this.#stopping) return;
    let proc: WorkerProcess;
    try {
      proc = this.#o.launch(slot.index);
    } catch (error) {
      // What every start would hit (permissions, the executable) was checked
      // before the first; this is fork failing now, or deno being replaced.
      const delay = slot.policy.died(0);
      this.#o.logger.error("cannot start a worker; trying again", {
        worker: slot.index,
        error,
        restart_in_ms: delay,
      });
      slot.restartTimer = this.#o.clock.setTimeout(() => this.#spawn(slot), delay);
      return;
    }
    slot.proc = proc;
    slot.startedAt = this.#o.clock.now();
    const writer = this.#relay.attach(slot.index, proc.stdin);
    writer.write(encodeToWorker({ t: "init", index: slot.index, secret: this.#o.secret }));
    this.#o.logger.info("worker started", { worker: slot.index, pid: proc.pid });
    const reading = readLines(proc.stdout, (line) => {
      switch (this.#relay.take(slot.index, line)) {
        case "output":
          return this.#o.output(line);
        case "up":
          return this.#o.onUp?.(slot.index, proc.pid);
        case "relayed":
        case "malformed":
          return;
      }
    }, { maxLineBytes: MAX_CHANNEL_LINE_BYTES }).catch(() => {});
    proc.status.then(async (status) => {
      await reading;
      this.#exited(slot, proc, writer, status);
    });
  }

  #exited(slot: Slot, proc: WorkerProcess, writer: BoundedWriter, status: Deno.CommandStatus) {
    this.#relay.detach(slot.index, writer);
    void writer.close();
    if (slot.proc === proc) slot.proc = null;
    const how = { worker: slot.index, pid: proc.pid, code: status.code, signal: status.signal };
    if (this.#stopping) {
      this.#o.logger.info("worker stopped", how);
      this.#finishIfDone();
      return;
    }
    if (status.code === 2 && status.signal === null) {
      this.#o.logger.error("worker failed at start and cannot recover; stopping all", how);
      this.#exitCode = 2;
      void this.stop("a worker failed at start");
      return;
    }
    const delay = slot.policy.died(this.#o.clock.now() - slot.startedAt);
    this.#o.logger.warn("worker died; starting it again", {
      ...how,
      restart_in_ms: delay,
      deaths_in_a_row: slot.policy.failures,
    });
    slot.restartTimer = this.#o.clock.setTimeout(() => this.#spawn(slot), delay);
  }

  /**
   * Drains every worker (SIGTERM; SIGKILL after `stopTimeoutMs`); idempotent.
   * @param reason logged
   * @returns resolves once every worker has exited (as `finished` does)
   */
  async stop(reason = "stop"): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#o.logger.info("stopping workers", { reason, workers: this.pids.filter(Boolean) });
      for (const slot of this.#slots) {
        if (slot.restartTimer !== null) this.#o.clock.clearTimeout(slot.restartTimer);
        slot.restartTimer = null;
        this.#signal(slot, "SIGTERM");
      }
      this.#killTimer = this.#o.clock.setTimeout(() => {
        for (const slot of this.#slots) {
          if (slot.proc === null) continue;
          this.#o.logger.warn("worker did not drain in time; killing it", {
            worker: slot.index,
            pid: slot.proc.pid,
          });
          this.#signal(slot, "SIGKILL");
        }
      }, this.#o.stopTimeoutMs ?? 30_000);
      this.#finishIfDone();
    }
    await this.#finished.promise;
  }

  #signal(slot: Slot, signal: Deno.Signal): void {
    try {
      slot.proc?.kill(signal);
    } catch { /* it has just exited */ }
  }

  #finishIfDone(): void {
    if (!this.#stopping || this.#slots.some((s) => s.proc !== null)) return;
    if (this.#killTimer !== null) this.#o.clock.clearTimeout(this.#killTimer);
    this.#killTimer = null;
    this.#finished.resolve(this.#exitCode);
  }
}
