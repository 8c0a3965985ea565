/**
 * `ServerWebSocket` bytes in, bytes out over an in-memory stream: what it
 * holds is charged to its account (pongs and frames for a peer that does not
 * read end in 4009), control frames and fragments count toward the rate
 * (4029), incoming close codes are checked (1002), and a streamed message
 * goes out as fragments produced only as the stream drains.
 */
import assert from "node:assert/strict";
import { ConnectionAccount } from "../../src/transport/account.ts";
import { PeerRate, peerRateLimits } from "../../src/transport/peer_rate.ts";
import { FrameDecoder, OPCODE } from "../../src/transport/ws_frames.ts";
import { type ByteStream, READY, ServerWebSocket } from "../../src/transport/ws_socket.ts";
import { bytes, clientFrame } from "./_frames.ts";

/** A stream whose reads the test feeds and whose writes complete only when the test says. */
class ManualStream implements ByteStream {
  readonly written: Uint8Array[] = [];
  closed = false;
  #reads: Array<(n: number | null) => void> = [];
  #readBuf: Uint8Array | null = null;
  #writes: Array<() => void> = [];
  autoWrite = true;
  read(p: Uint8Array): Promise<number | null> {
    this.#readBuf = p;
    return new Promise((r) => this.#reads.push(r));
  }
  /** Delivers bytes to the pending read. */
  async feed(b: Uint8Array): Promise<void> {
    for (let at = 0; at < b.length;) {
      while (this.#reads.length === 0) await new Promise((r) => setTimeout(r, 0));
      const n = Math.min(b.length - at, this.#readBuf!.length);
      this.#readBuf!.set(b.subarray(at, at + n));
      at += n;
      this.#reads.shift()!(n);
    }
    await new Promise((r) => setTimeout(r, 0));
  }
  write(p: Uint8Array): Promise<number> {
    this.written.push(p.slice());
    if (this.autoWrite) return Promise.resolve(p.length);
    return new Promise((r) => this.#writes.push(() => r(p.length)));
  }
  /** Completes the writes under way (the peer read them). */
  async drain(): Promise<void> {
    while (this.#writes.length > 0) {
      this.#writes.shift()!();
      await new Promise((r) => setTimeout(r, 0));
    }
  }
  close(): void {
    this.closed = true;
    for (const r of this.#reads) r(null);
  }
}

function open(o: { autoWrite?: boolean; limit?: number; rate?: PeerRate } = {}) {
  const stream = new ManualStream();
  stream.autoWrite = o.autoWrite ?? true;
  const account = new ConnectionAccount(o.limit ?? 256 * 1024);
  const s = new ServerWebSocket(
    stream,
    { maxPayload: 1024, now: () => Date.now(), account, ...(o.rate ? { rate: o.rate } : {}) },
    new Uint8Array(0),
  );
  const closes: number[] = [];
  s.onclose = (ev) => closes.push(ev.code);
  s.start();
  return { s, stream, account, closes };
}

/** Decodes what the server wrote (unmasked frames), as a client would. */
function serverFrames(
  written: Uint8Array[],
): Array<{ fin: boolean; opcode: number; payload: Uint8Array }> {
  const all = bytes(...written);
  const out = [];
  for (let at = 0; at < all.length;) {
    let len = all[at + 1]! & 0x7f, head = 2;
    if (len === 126) [len, head] = [(all[at + 2]! << 8) | all[at + 3]!, 4];
    else if (len === 127) {
      [len, head] = [Number(new DataView(all.buffer, at + 2, 8).getBigUint64(0)), 10];
    }
    out.push({
      fin: (all[at]! & 0x80) !== 0,
      opcode: all[at]! & 0x0f,
      payload: all.subarray(at + head, at + head + len),
    });
    at += head + len;
  }
  return out;
}

function closeCode(f: { payload: Uint8Array }): number {
  return (f.payload[0]! << 8) | f.payload[1]!;
}

Deno.test("pings from a peer that does not read fill the account, then 4009", async () => {
  const { s, stream, account } = open({ autoWrite: false, limit: 8 * 1024 });
  const ping = clientFrame(OPCODE.ping, "x".repeat(125));
  for (let i = 0; i < 200 && s.readyState === READY.open; i++) await stream.feed(ping);
  assert.equal(s.readyState, READY.closing);
  assert.ok(account.peak <= 8 * 1024 + 256, `peak ${account.peak}`);
  await stream.drain();
  const last = serverFrames(stream.written).at(-1)!;
  assert.equal(last.opcode, OPCODE.close);
  assert.equal(closeCode(last), 4009);
});

Deno.test("control frames take from the rate: a ping flood is closed 4029, unanswered past it", async () => {
  const rate = new PeerRate(peerRateLimits(10, 20, 1024, 5), Date.now());
  const { s, stream } = open({ rate });
  const pings = bytes(...Array.from({ length: 40 }, () => clientFrame(OPCODE.ping, "")));
  await stream.feed(pings);
  const frames = serverFrames(stream.written);
  assert.equal(frames.filter((f) => f.opcode === OPCODE.pong).length, 20, "the burst is answered");
  assert.equal(closeCode(frames.find((f) => f.opcode === OPCODE.close)!), 4029);
  assert.equal(s.readyState, READY.closing);
});

Deno.test("empty continuation frames take from the rate too: 4029", async () => {
  const rate = new PeerRate(peerRateLimits(10, 20, 1024, 5), Date.now());
  const { stream } = open({ rate });
  const empty = clientFrame(0, "", { fin: false });
  await stream.feed(bytes(clientFrame(OPCODE.text, "{", { fin: false }), ...Array(40).fill(empty)));
  const close = serverFrames(stream.written).find((f) => f.opcode === OPCODE.close)!;
  assert.equal(closeCode(close), 4029);
});

Deno.test("close codes §7.4: 1005/1006/1015/2999/5000 are answered 1002; 4000 is echoed", async () => {
  for (
    const [code, answer] of [[1006, 1002], [1015, 1002], [2999, 1002], [5000, 1002], [0, 1002], [
      4000,
      4000,
    ], [1000, 1000]]
  ) {
    const { stream } = open();
    await stream.feed(clientFrame(OPCODE.close, new Uint8Array([code! >> 8, code! & 255])));
    const close = serverFrames(stream.written).find((f) => f.opcode === OPCODE.close)!;
    assert.equal(closeCode(close), answer, `code ${code}`);
  }
});

Deno.test("a streamed message goes out in fragments as the peer reads; sends meanwhile follow it", async () => {
  const { s, stream, account } = open({ autoWrite: false });
  const text = `{"type":"SNAPSHOT","items":["${"é".repeat(300_000)}😀"]}`;
  let done: boolean | null = null;
  void s.sendStreamed(text).then((ok) => done = ok);
  s.send('{"type":"HEARTBEAT"}'); // held until the stream ends: data frames may not interleave
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(done, null, "not all queued while the peer does not read");
  assert.ok(account.held < 200 * 1024, `held ${account.held} of a ${text.length * 2} B message`);
  for (let i = 0; i < 100 && done === null; i++) await stream.drain();
  assert.equal(done, true);
  await stream.drain();
  const frames = serverFrames(stream.written);
  const data = frames.filter((f) => f.opcode !== OPCODE.ping);
  assert.ok(data.length > 3, "several fragments");
  assert.equal(data[0]!.opcode, OPCODE.text);
  const last = data.findIndex((f) => f.fin);
  assert.ok(data.slice(1, last + 1).every((f) => f.opcode === OPCODE.continuation));
  const joined = new TextDecoder("utf-8", { fatal: true }).decode(
    bytes(...data.slice(0, last + 1).map((f) => f.payload)),
  );
  assert.equal(joined, text);
  assert.equal(new TextDecoder().decode(data[last + 1]!.payload), '{"type":"HEARTBEAT"}');
  assert.equal(account.held, 2048, "only the read buffer is left");
});

Deno.test("a streamed message stops, and reports it, when the socket closes meanwhile", async () => {
  const { s, stream } = open({ autoWrite: false });
  const sent = s.sendStreamed("x".repeat(1_000_000));
  s.close(4009, "too slow to read");
  assert.equal(await sent, false);
  await stream.drain();
  const frames = serverFrames(stream.written);
  assert.equal(frames.at(-1)!.opcode, OPCODE.close);
});

Deno.test("the decoder's fragments are charged per fragment, so one-byte fragments cannot hide", () => {
  const account = new ConnectionAccount(10_000);
  const d = new FrameDecoder(65536, account);
  d.push(clientFrame(OPCODE.text, "a", { fin: false }));
  const before = account.held;
  d.push(bytes(...Array.from({ length: 10 }, () => clientFrame(0, "b", { fin: false }))));
  assert.ok(account.held - before >= 10 * 64, `charged ${account.held - before}`);
  const out = d.push(
    bytes(...Array.from({ length: 200 }, () => clientFrame(0, "", { fin: false }))),
  );
  assert.deepEqual(out.map((i) => i.kind === "violation" && i.code), [1009]);
});

Deno.test("messages reach onmessage; a peer's ping is answered with its payload; any frame clears the ping out", async () => {
  const { s, stream } = open();
  const got: Array<string | Uint8Array> = [];
  s.onmessage = (ev) => got.push(ev.data);
  s.ping();
  assert.ok(s.pingSentAt > 0);
  await stream.feed(clientFrame(OPCODE.text, "héllo"));
  assert.equal(s.pingSentAt, 0, "the peer answered something: no ping is out");
  await stream.feed(clientFrame(OPCODE.binary, new Uint8Array([1, 2, 3])));
  await stream.feed(clientFrame(OPCODE.ping, "are you there"));
  assert.deepEqual(got, ["héllo", new Uint8Array([1, 2, 3])]);
  const pong = serverFrames(stream.written).find((f) => f.opcode === OPCODE.pong)!;
  assert.equal(new TextDecoder().decode(pong.payload), "are you there");
  assert.equal(s.readyState, READY.open);
});

Deno.test("our close: one close frame, nothing sent after it, and the peer's answer completes it cleanly", async () => {
  const { s, stream } = open();
  const ends: Array<{ code: number; wasClean: boolean }> = [];
  s.onclose = (ev) => ends.push({ code: ev.code, wasClean: ev.wasClean });
  s.close(4008, "heartbeat timeout");
  s.close(1000, "again");
  s.send("late");
  assert.equal(s.readyState, READY.closing);
  await stream.feed(clientFrame(OPCODE.close, new Uint8Array([0x0f, 0xa8])));
  const frames = serverFrames(stream.written);
  assert.deepEqual(
    frames.map((f) => f.opcode),
    [OPCODE.close],
    "one close frame, no text after it",
  );
  assert.equal(closeCode(frames[0]!), 4008);
  assert.equal(new TextDecoder().decode(frames[0]!.payload.subarray(2)), "heartbeat timeout");
  assert.deepEqual(ends, [{ code: 4008, wasClean: true }]);
  assert.equal(s.readyState, READY.closed);
  assert.equal(stream.closed, true);
});

Deno.test("a peer that goes away: 1006 unclean when open, our code clean when we had closed", async () => {
  const gone = open();
  gone.stream.close();
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(gone.closes, [1006]);
  const after = open();
  after.s.close(4002, "no CL in time");
  let clean: boolean | null = null;
  after.s.onclose = (ev) => clean = ev.wasClean;
  after.stream.close();
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(clean, true);
});

Deno.test("terminate reports the close code already sent, else its own; write stalls report 4009", () => {
  const sent = open();
  sent.s.close(4001, "token expired");
  sent.s.terminate(1012);
  assert.deepEqual(sent.closes, [4001]);
  const fresh = open();
  fresh.s.terminate(1012);
  assert.deepEqual(fresh.closes, [1012]);
  assert.equal(fresh.stream.closed, true);
  const stalled = open();
  stalled.s.writeStalled();
  assert.deepEqual(stalled.closes, [4009]);
  assert.equal(stalled.s.readyState, READY.closed);
});

Deno.test("a message over the limit is refused 1009 and never delivered", async () => {
  const { s, stream } = open();
  const got: unknown[] = [];
  s.onmessage = (ev) => got.push(ev.data);
  await stream.feed(clientFrame(OPCODE.text, "x".repeat(1025)));
  assert.deepEqual(got, []);
  const close = serverFrames(stream.written).find((f) => f.opcode === OPCODE.close)!;
  assert.equal(closeCode(close), 1009);
  assert.equal(s.readyState, READY.closing);
});
