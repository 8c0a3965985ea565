/**
 * `Supervisor` with fake worker processes and fake time: what each worker is
 * told first, relaying between workers, restarts with backoff, a start-up
 * failure that stops everything with 2, and the drain on `stop` (SIGTERM,
 * SIGKILL after the timeout, exit 0).
 */
import assert from "node:assert/strict";
import { type LaunchWorker, Supervisor, type WorkerProcess } from "../../src/cluster/supervisor.ts";
import { readLines } from "../../src/cluster/lines.ts";
import { encodeFromWorker } from "../../src/cluster/wire.ts";
import { silentLogger } from "../../src/logging/logger.ts";
import { asSeq } from "../../src/protocol/types.ts";
import { FakeClock } from "../_support/fake_clock.ts";

const flush = () => new Promise((r) => setTimeout(r, 5));
const dec = new TextDecoder();

class FakeWorker implements WorkerProcess {
  static #pids = 1000;
  readonly pid = FakeWorker.#pids++;
  readonly signals: Deno.Signal[] = [];
  /** Lines the supervisor wrote to this worker's stdin. */
  readonly received: string[] = [];
  readonly #in = new TransformStream<Uint8Array, Uint8Array>();
  readonly #out = new TransformStream<Uint8Array, Uint8Array>();
  readonly #outWriter = this.#out.writable.getWriter();
  readonly #status = Promise.withResolvers<Deno.CommandStatus>();
  readonly stdin = this.#in.writable;
  readonly stdout = this.#out.readable;
  readonly status = this.#status.promise;

  constructor(readonly index: number) {
    void readLines(this.#in.readable, (l) => this.received.push(dec.decode(l)), {
      maxLineBytes: 1 << 20,
    });
  }

  kill(signal: Deno.Signal): void {
    this.signals.push(signal);
  }

  print(bytes: Uint8Array): Promise<void> {
    return this.#outWriter.write(bytes);
  }

  async exit(code: number, signal: Deno.Signal | null = null): Promise<void> {
    await this.#outWriter.close().catch(() => {});
    this.#status.resolve({ success: code === 0, code, signal });
    await flush();
  }
}

function harness(workers: number, stopTimeoutMs = 30_000) {
  const clock = new FakeClock();
  const started: FakeWorker[] = [];
  const output: string[] = [];
  const launch: LaunchWorker = (index) => {
    const w = new FakeWorker(index);
    started.push(w);
    return w;
  };
  const supervisor = new Supervisor({
    workers,
    launch,
    clock,
    logger: silentLogger,
    secret: "dev-secret-of-this-run",
    output: (line) => output.push(dec.decode(line)),
    stopTimeoutMs,
  });
  return { clock, started, output, supervisor };
}

Deno.test("Supervisor: each worker gets its init first; events go to the others, output passes through", async () => {
  const { started, output, supervisor } = harness(3);
  supervisor.start();
  await flush();
  assert.equal(started.length, 3);
  started.forEach((w, i) =>
    assert.deepEqual(JSON.parse(w.received[0]!), {
      t: "init",
      index: i + 1,
      secret: "dev-secret-of-this-run",
    })
  );
  await started[0]!.print(encodeFromWorker({ t: "event", seq: asSeq(1), payload: "tag\n{}" }));
  await started[0]!.print(new TextEncoder().encode("a plain line\n"));
  await flush();
  assert.equal(started[0]!.received.length, 1, "never back to the publisher");
  for (const w of started.slice(1)) {
    assert.deepEqual(JSON.parse(w.received[1]!), { t: "event", seq: 1, payload: "tag\n{}" });
  }
  assert.deepEqual(output, ["a plain line"]);
  assert.deepEqual(supervisor.relayStats, { events: 1, deliveries: 2, dropped: 0 });
  const stopped = supervisor.stop();
  for (const w of started) await w.exit(0);
  await stopped;
});

Deno.test("Supervisor: a dead worker starts again at once, then with growing delays", async () => {
  const { clock, started, supervisor } = harness(2);
  supervisor.start();
  await flush();
  await started[0]!.exit(137, "SIGKILL");
  clock.tick(1);
  await flush();
  assert.equal(started.length, 3, "the first restart is immediate");
  assert.equal(started[2]!.index, 1);
  await started[2]!.exit(1);
  clock.tick(249);
  await flush();
  assert.equal(started.length, 3, "not before 250 ms");
  clock.tick(2);
  await flush();
  assert.equal(started.length, 4);
  assert.deepEqual(supervisor.pids, [started[3]!.pid, started[1]!.pid]);
  // A later event reaches the restarted worker.
  await started[1]!.print(encodeFromWorker({ t: "event", seq: asSeq(9), payload: "p" }));
  await flush();
  assert.equal(JSON.parse(started[3]!.received.at(-1)!).seq, 9);
  const stopped = supervisor.stop();
  await started[1]!.exit(0);
  await started[3]!.exit(0);
  assert.equal(await supervisor.finished, 0);
  await stopped;
});

Deno.test("Supervisor: a worker that exits 2 stops all workers, no restart, exit code 2", async () => {
  const { clock, started, supervisor } = harness(2);
  supervisor.start();
  await flush();
  await started[0]!.exit(2);
  assert.deepEqual(started[1]!.signals, ["SIGTERM"]);
  clock.tick(60_000);
  await flush();
  assert.equal(started.length, 2, "nothing started again");
  await started[1]!.exit(0);
  assert.equal(await supervisor.finished, 2);
});

Deno.test("Supervisor: stop sends SIGTERM, kills a worker that does not drain in time, exits 0", async () => {
  const { clock, started, supervisor } = harness(2, 5000);
  supervisor.start();
  await flush();
  let done = false;
  void supervisor.stop("SIGTERM").then(() => done = true);
  assert.deepEqual(started.map((w) => w.signals), [["SIGTERM"], ["SIGTERM"]]);
  await started[0]!.exit(0);
  clock.tick(4999);
  await flush();
  assert.deepEqual(started[1]!.signals, ["SIGTERM"]);
  assert.equal(done, false, "waits for every worker");
  clock.tick(1);
  assert.deepEqual(started[1]!.signals, ["SIGTERM", "SIGKILL"]);
  await started[1]!.exit(137, "SIGKILL");
  assert.equal(done, true);
  assert.equal(await supervisor.finished, 0);
  // Nothing is started after a stop, whatever exits.
  clock.tick(60_000);
  assert.equal(started.length, 2);
});

Deno.test("Supervisor: a worker that cannot be started now is tried again with backoff", async () => {
  const clock = new FakeClock();
  let attempts = 0;
  const workers: FakeWorker[] = [];
  const supervisor = new Supervisor({
    workers: 1,
    clock,
    logger: silentLogger,
    secret: null,
    output: () => {},
    launch: (index) => {
      attempts++;
      if (attempts <= 2) throw new Error("EAGAIN");
      const w = new FakeWorker(index);
      workers.push(w);
      return w;
    },
  });
  supervisor.start();
  clock.tick(1);
  assert.equal(attempts, 2);
  clock.tick(250);
  assert.equal(attempts, 3);
  await flush();
  assert.deepEqual(JSON.parse(workers[0]!.received[0]!), { t: "init", index: 1, secret: null });
  const stopped = supervisor.stop();
  await workers[0]!.exit(0);
  await stopped;
});
