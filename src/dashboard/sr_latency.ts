/**
 * `SrEventTimer`: SR → EVENT latency on the process that accepted the SR,
 * from the command's start to the moment its `pending` event was handed to
 * this process's clients (the feed's sink), into `ws_sr_event_seconds`.
 * @module
 */
import type { Clock } from "../clock.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { StoredEvent } from "../store/rows.ts";

/** Most SRs timed at once; past it the oldest are forgotten (they are not observed). */
const MAX_TRACKED = 10_000;

/** Times SRs from arrival to delivery of their event. */
export class SrEventTimer {
  readonly #clock: Clock;
  readonly #metrics: Metrics;
  readonly #byResponse = new Map<number, number>();
  readonly #bySeq = new Map<number, number>();

  /**
   * Creates a timer that observes into the SR → EVENT histogram.
   * @param clock the time source
   * @param metrics where the histogram is
   */
  constructor(clock: Clock, metrics: Metrics) {
    this.#clock = clock;
    this.#metrics = metrics;
  }

  /**
   * Notes that an SR for a response starts being handled now. An SR that
   * appends nothing (a duplicate, a decided response) stays noted until a
   * later SR for the response or until `MAX_TRACKED` newer ones push it out.
   * @param responseId the response
   */
  begin(responseId: number): void {
    remember(this.#byResponse, responseId, this.#clock.now());
  }

  /**
   * Notes an appended event: a `pending` event of a timed SR is awaited by its seq.
   * @param event the event as committed
   */
  appended(event: StoredEvent): void {
    if (event.kind !== "pending") return;
    const started = this.#byResponse.get(event.responseId);
    if (started === undefined) return;
    this.#byResponse.delete(event.responseId);
    remember(this.#bySeq, event.seq, started);
  }

  /**
   * Notes that an event was handed to this process's clients.
   * @param seq its seq
   */
  delivered(seq: number): void {
    const started = this.#bySeq.get(seq);
    if (started === undefined) return;
    this.#bySeq.delete(seq);
    this.#metrics.observe("ws_sr_event_seconds", Math.max(0, this.#clock.now() - started) / 1000);
  }
}

function remember(map: Map<number, number>, key: number, value: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_TRACKED) map.delete(map.keys().next().value as number);
}
