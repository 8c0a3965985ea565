/**
 * `WriteScheduler` (issue 18): sockets with bytes to write wait on one FIFO
 * queue and at most `perTurn` writes go out per event-loop turn. Each socket
 * keeps its frame order and coalescing; a slow or failing socket holds no one
 * else up; a socket closed while it waits is dropped and written no more; what
 * was queued is released from its account. Turns are the test's (`FakeTurns`),
 * so nothing here depends on timing.
 */
import assert from "node:assert/strict";
import { ConnectionAccount } from "../../src/transport/account.ts";
import { textFrame } from "../../src/transport/ws_frames.ts";
import { type ByteStream, READY, ServerWebSocket } from "../../src/transport/ws_socket.ts";
import {
  type ScheduledWriter,
  type TurnYield,
  WriteScheduler,
} from "../../src/transport/write_scheduler.ts";
import { FakeClock } from "../_support/fake_clock.ts";

/** Event-loop turns the test runs by hand. */
class FakeTurns implements TurnYield {
  #next: Array<() => void> = [];
  soon(next: () => void): void {
    queueMicrotask(next);
  }
  later(next: () => void): void {
    this.#next.push(next);
  }
  /** Turns asked for and not run yet. */
  get pending(): number {
    return this.#next.length;
  }
  /** Runs the next turn, after the promise callbacks of this one. */
  async turn(): Promise<void> {
    await settle();
    const run = this.#next;
    this.#next = [];
    for (const f of run) f();
    await settle();
  }
}

/** Lets promise callbacks run (write completions are promise callbacks). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

type WriteMode = "complete" | "stuck" | "fail" | "throw";

/** A peer's stream: writes complete at once, never, or fail; reads never arrive. */
class FakeStream implements ByteStream {
  readonly written: Uint8Array[] = [];
  closed = false;
  mode: WriteMode = "complete";
  /** Bytes the kernel takes per write (0: all). */
  takes = 0;
  read(): Promise<number | null> {
    return new Promise(() => {});
  }
  write(p: Uint8Array): Promise<number> {
    assert.equal(this.closed, false, "a write after the stream was closed");
    if (this.mode === "throw") throw new Error("EBADF");
    if (this.mode === "fail") return Promise.reject(new Error("ECONNRESET"));
    const n = this.takes > 0 ? Math.min(this.takes, p.length) : p.length;
    this.written.push(p.slice(0, n));
    if (this.mode === "stuck") return new Promise(() => {});
    return Promise.resolve(n);
  }
  close(): void {
    this.closed = true;
  }
  /** Every byte written, in order. */
  get bytes(): Uint8Array {
    const all = new Uint8Array(this.written.reduce((s, b) => s + b.length, 0));
    let at = 0;
    for (const b of this.written) {
      all.set(b, at);
      at += b.length;
    }
    return all;
  }
}

/** Server frames (unmasked, unfragmented, under 64 KiB): opcode and payload. */
function frames(all: Uint8Array): Array<{ opcode: number; payload: Uint8Array }> {
  const out = [];
  for (let at = 0; at < all.length;) {
    let len = all[at + 1]! & 0x7f, head = 2;
    if (len === 126) [len, head] = [(all[at + 2]! << 8) | all[at + 3]!, 4];
    out.push({ opcode: all[at]! & 0x0f, payload: all.subarray(at + head, at + head + len) });
    at += head + len;
  }
  return out;
}

/** The text messages in server frames. */
function texts(all: Uint8Array): string[] {
  return frames(all).filter((f) => f.opcode === 1).map((f) => new TextDecoder().decode(f.payload));
}

/** Runs turns until nothing waits (at most `max`). */
async function drain(turns: FakeTurns, sched: WriteScheduler, max = 50): Promise<void> {
  for (let i = 0; i < max && sched.waiting + turns.pending > 0; i++) await turns.turn();
}

const CLOCK = new FakeClock();

function socket(
  scheduler: WriteScheduler,
  mode: WriteMode = "complete",
  stream: FakeStream = new FakeStream(),
) {
  stream.mode = mode;
  const account = new ConnectionAccount(256 * 1024);
  const s = new ServerWebSocket(
    stream,
    { maxPayload: 1024, now: () => CLOCK.now(), account, scheduler },
    new Uint8Array(0),
  );
  const closes: number[] = [];
  s.onclose = (ev) => closes.push(ev.code);
  s.start(); // writes its prelude (empty here: one write of no bytes)
  return { s, stream, account, closes };
}

/** Sockets started and their preludes written, so tests count their own writes. */
async function started(
  n: number,
  turns: FakeTurns,
  sched: WriteScheduler,
): Promise<Array<ReturnType<typeof socket>>> {
  const all = Array.from({ length: n }, () => socket(sched));
  await drain(turns, sched);
  for (const x of all) x.stream.written.length = 0;
  return all;
}

/** A writer that counts its turns. */
class CountingWriter implements ScheduledWriter {
  turns = 0;
  ended = false;
  writeTurn(): boolean {
    if (this.ended) return false;
    this.turns++;
    return true;
  }
}

Deno.test("at most perTurn writes go out per turn, the rest in FIFO order in later turns", async () => {
  const turns = new FakeTurns();
  const sched = new WriteScheduler(3, turns);
  const order: number[] = [];
  const writers = Array.from({ length: 8 }, (_, i) => ({
    writeTurn: () => (order.push(i), true),
  }));
  for (const w of writers) sched.request(w);
  // Issued at the end of the synchronous stretch, not inside request().
  assert.deepEqual(order, []);
  await settle();
  assert.deepEqual(order, [0, 1, 2]);
  assert.equal(sched.waiting, 5);
  await turns.turn();
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
  await turns.turn();
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(sched.waiting, 0);
  // The turn after writes resets the count and asks for no more turns.
  await turns.turn();
  assert.equal(turns.pending, 0);
  sched.request(writers[0]!);
  await settle();
  assert.deepEqual(order.slice(8), [0]);
});

Deno.test("a writer that ended while waiting is dropped and takes no place in the batch", async () => {
  const turns = new FakeTurns();
  const sched = new WriteScheduler(2, turns);
  const w = Array.from({ length: 5 }, () => new CountingWriter());
  for (const x of w) sched.request(x);
  w[2]!.ended = true;
  await turns.turn();
  assert.deepEqual(w.map((x) => x.turns), [1, 1, 0, 1, 1]);
  assert.equal(sched.waiting, 0);
});

Deno.test("the cap holds across sockets: 250 sockets each sending one event take 3 turns of 100", async () => {
  const turns = new FakeTurns();
  const sched = new WriteScheduler(100, turns);
  const all = await started(250, turns, sched);
  const writes = () => all.reduce((n, x) => n + x.stream.written.length, 0);
  const before = writes();
  for (const x of all) x.s.send("event");
  await settle();
  assert.equal(writes() - before, 100);
  await turns.turn();
  assert.equal(writes() - before, 200);
  await turns.turn();
  assert.equal(writes() - before, 250);
  for (const x of all) assert.deepEqual(texts(x.stream.bytes), ["event"]);
});

Deno.test("frames given in one synchronous stretch go out as one write, at its end", async () => {
  const turns = new FakeTurns();
  const sched = new WriteScheduler(100, turns);
  const [x] = await started(1, turns, sched);
  x!.s.send("WELCOME");
  x!.s.send("SNAPSHOT");
  x!.s.send("PRESENCE");
  assert.equal(x!.stream.written.length, 0, "nothing is written inside send()");
  await settle();
  assert.equal(x!.stream.written.length, 1);
  assert.deepEqual(texts(x!.stream.bytes), ["WELCOME", "SNAPSHOT", "PRESENCE"]);
  // No later turn was needed for it.
  assert.equal(sched.waiting, 0);
});

Deno.test("each socket's frames go out in order, coalesced, when its turns come", async () => {
  const turns = new FakeTurns();
  const sched = new WriteScheduler(2, turns);
  const all = await started(5, turns, sched);
  for (let m = 0; m < 20; m++) for (const x of all) x.s.send(`m${m}`);
  await drain(turns, sched);
  const want = Array.from({ length: 20 }, (_, m) => `m${m}`);
  for (const x of all) {
    assert.deepEqual(texts(x.stream.bytes), want);
    // One or two writes: the first frame at once (if the turn had room), the rest coalesced.
    assert.ok(x.stream.written.length <= 2, `${x.stream.written.length} writes`);
  }
});

Deno.test("a partial write's rest waits its turn again and keeps its place before later frames", async () => {
  const turns = new FakeTurns();
  const sched = new WriteScheduler(10, turns);
  const [x] = await started(1, turns, sched);
  x!.stream.takes = 3;
  x!.s.send("abcdefgh");
  x!.s.send("ij");
  await drain(turns, sched);
  assert.deepEqual(texts(x!.stream.bytes), ["abcdefgh", "ij"]);
  assert.ok(x!.stream.written.length >= 4);
  assert.equal(x!.s.bufferedAmount, 0);
});

Deno.test("fairness: a socket whose peer does not read holds up no one", async () => {
  const turns = new FakeTurns();
  const sched = new WriteScheduler(2, turns);
  const [slow, ...others] = await started(5, turns, sched);
  slow!.stream.mode = "stuck";
  for (let m = 0; m < 3; m++) {
    slow!.s.send(`m${m}`);
    for (const x of others) x.s.send(`m${m}`);
    await drain(turns, sched);
  }
  for (const x of others) assert.deepEqual(texts(x.stream.bytes), ["m0", "m1", "m2"]);
  assert.deepEqual(texts(slow!.stream.bytes), ["m0"]);
  assert.equal(slow!.s.bufferedAmount, 3 * 4);
  assert.equal(sched.waiting, 0);
});

Deno.test("fairness: a socket with much to send gets one write per round, behind the others", async () => {
  const turns = new FakeTurns();
  const sched = new WriteScheduler(1, turns);
  const [big, small] = await started(2, turns, sched);
  const chunk = "x".repeat(1000);
  big!.s.send(chunk); // written at once (the turn has room)
  for (let i = 0; i < 200; i++) big!.s.send(chunk); // queued: 200 KB, several 64 KiB writes
  small!.s.send("hello");
  await turns.turn();
  await turns.turn();
  // The small socket waited behind one turn of the big one, not behind all of its writes.
  assert.deepEqual(texts(small!.stream.bytes), ["hello"]);
  assert.ok(big!.stream.written.length <= 3, `${big!.stream.written.length} writes`);
  await drain(turns, sched);
  assert.equal(texts(big!.stream.bytes).length, 201);
});

Deno.test("a failing write closes only its socket", async () => {
  for (const mode of ["fail", "throw"] as const) {
    const turns = new FakeTurns();
    const sched = new WriteScheduler(2, turns);
    const [bad, ...others] = await started(4, turns, sched);
    bad!.stream.mode = mode;
    bad!.s.send("a");
    for (const x of others) x.s.send("a");
    await drain(turns, sched);
    assert.deepEqual(bad!.closes, [1006], mode);
    assert.equal(bad!.stream.closed, true);
    for (const x of others) {
      assert.equal(x.s.readyState, READY.open, mode);
      assert.deepEqual(texts(x.stream.bytes), ["a"], mode);
      x.s.send("b");
    }
    await drain(turns, sched);
    for (const x of others) assert.deepEqual(texts(x.stream.bytes), ["a", "b"], mode);
  }
});

Deno.test("a socket closed while it waits is dropped: nothing more is written, its account released", async () => {
  const turns = new FakeTurns();
  const sched = new WriteScheduler(1, turns);
  const [first, queued, after] = await started(3, turns, sched);
  await turns.turn(); // a turn with no writes: the next one starts afresh
  first!.s.send("one");
  queued!.s.send("two");
  after!.s.send("three");
  await settle();
  assert.deepEqual(texts(first!.stream.bytes), ["one"]);
  assert.equal(queued!.stream.written.length, 0);
  assert.ok(queued!.account.held > 2048);
  queued!.s.terminate();
  assert.deepEqual(queued!.closes, [1006]);
  assert.equal(queued!.account.held, 0);
  await turns.turn();
  // The dropped socket took no place: the one behind it went out in this turn.
  assert.equal(queued!.stream.written.length, 0);
  assert.deepEqual(texts(after!.stream.bytes), ["three"]);
  queued!.s.send("late");
  await drain(turns, sched);
  assert.equal(queued!.stream.written.length, 0);
});

Deno.test("no write after close: the close frame is the last write, sends after it are ignored", async () => {
  const turns = new FakeTurns();
  const sched = new WriteScheduler(1, turns);
  const [x] = await started(1, turns, sched);
  x!.s.send("a");
  x!.s.send("b");
  x!.s.close(4009, "too slow to read");
  x!.s.send("c");
  await drain(turns, sched);
  const sent = frames(x!.stream.bytes);
  assert.deepEqual(sent.map((f) => f.opcode), [1, 1, 8]);
  assert.equal(x!.s.bufferedAmount, 0);
  // The peer answers the close (end of stream): the socket ends, nothing more is written.
  const writes = x!.stream.written.length;
  x!.s.terminate();
  x!.s.send("d");
  x!.s.ping();
  await drain(turns, sched);
  assert.equal(x!.stream.written.length, writes);
});

Deno.test("accounting: what is queued is charged until written, then released; over the limit closes 4009", async () => {
  const turns = new FakeTurns();
  const sched = new WriteScheduler(1, turns);
  const [blocker, x0] = await started(2, turns, sched);
  const x = x0!;
  await turns.turn();
  const idle = x.account.held;
  blocker!.s.send("first"); // takes this turn's one write
  x.s.send("0123456789");
  assert.equal(x.s.bufferedAmount, 12);
  assert.equal(x.account.held, idle + 12);
  await turns.turn();
  assert.equal(x.s.bufferedAmount, 0);
  assert.equal(x.account.held, idle);
  // Waiting for a turn is charged like a write out: the limit still closes 4009.
  blocker!.s.send("again");
  const big = "y".repeat(1000);
  for (let i = 0; i < 300 && x.s.readyState === READY.open; i++) x.s.send(big);
  assert.equal(x.s.readyState, READY.closing);
  await drain(turns, sched);
  assert.ok(x.account.peak <= x.account.limit + 200, `${x.account.peak}`);
});

Deno.test("a lone frame goes out as the very bytes sent, charged until written; frames sent meanwhile follow it, coalesced", async () => {
  const turns = new FakeTurns();
  const sched = new WriteScheduler(10, turns);
  const stream = new FakeStream();
  const writes: Array<{ bytes: Uint8Array; done: (n: number) => void }> = [];
  stream.write = (p: Uint8Array) => new Promise((done) => writes.push({ bytes: p, done }));
  const { s, account } = socket(sched, "complete", stream);
  await drain(turns, sched);
  writes.splice(0).forEach((w) => w.done(w.bytes.length)); // the empty prelude
  await settle();
  await drain(turns, sched);
  const base = account.held; // the read buffer
  s.send("EVENT");
  await drain(turns, sched);
  assert.equal(writes.length, 1);
  const lone = writes[0]!.bytes;
  assert.deepEqual(texts(lone), ["EVENT"]);
  assert.equal(account.held - base, lone.length, "held while the kernel has not taken it");
  s.send("a");
  s.send("b");
  assert.equal(account.held - base, lone.length + 2 * 3);
  writes[0]!.done(lone.length);
  await settle();
  await drain(turns, sched);
  assert.equal(writes.length, 2, "the two sent meanwhile go out in one write");
  assert.deepEqual(texts(writes[1]!.bytes), ["a", "b"]);
  writes[1]!.done(writes[1]!.bytes.length);
  await settle();
  await drain(turns, sched);
  assert.equal(account.held, base);
  assert.equal(s.bufferedAmount, 0);
  // Sent once more after all that: a lone frame again, as the very bytes.
  s.send("EVENT");
  await drain(turns, sched);
  assert.equal(writes.length, 3);
  assert.deepEqual(writes[2]!.bytes, lone);
  assert.strictEqual(writes[2]!.bytes, textFrame("EVENT"), "the frame as encoded, not a copy");
});

Deno.test("a stream that passes writes on names its writer, and frames go to it directly", async () => {
  const turns = new FakeTurns();
  const sched = new WriteScheduler(10, turns);
  const inner = new FakeStream();
  const wrapper = new FakeStream();
  wrapper.write = () => Promise.reject(new Error("written through the wrapper"));
  Object.defineProperty(wrapper, "writer", { value: inner });
  const { s } = socket(sched, "complete", wrapper);
  s.send("EVENT");
  await drain(turns, sched);
  await settle();
  assert.deepEqual(texts(inner.bytes), ["EVENT"]);
  assert.equal(s.readyState, READY.open);
});
