/** `BoundedWriter`: in order, never waiting; past the bound (a reader that does not read) lines drop. */
import assert from "node:assert/strict";
import { BoundedWriter } from "../../src/cluster/bounded_writer.ts";

const line = (s: string) => new TextEncoder().encode(`${s}\n`);

Deno.test("BoundedWriter: a slow reader gets the lines in order; a stuck one costs bounded memory", async () => {
  const pipe = new TransformStream<Uint8Array, Uint8Array>(undefined, { highWaterMark: 1 });
  const w = new BoundedWriter(pipe.writable, 100);
  let accepted = 0;
  for (let i = 0; i < 50; i++) if (w.write(line(`line ${String(i).padStart(3, "0")}`))) accepted++;
  // Nobody reads: at most 100 bytes (9-byte lines) are held, the rest dropped.
  assert.ok(accepted >= 1 && accepted <= Math.floor(100 / 9), `accepted ${accepted}`);
  assert.equal(w.stats.dropped, 50 - accepted);
  assert.ok(w.stats.pendingBytes <= 100);
  const reader = pipe.readable.getReader();
  const got: string[] = [];
  for (let i = 0; i < accepted; i++) {
    const { value } = await reader.read();
    got.push(new TextDecoder().decode(value));
  }
  assert.deepEqual(
    got,
    Array.from({ length: accepted }, (_, i) => `line ${String(i).padStart(3, "0")}\n`),
  );
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(w.stats.pendingBytes, 0);
  assert.equal(w.write(line("again")), true, "room again once the reader has caught up");
  reader.releaseLock();
});

Deno.test("BoundedWriter: after the pipe breaks, writes are refused, never thrown", async () => {
  const pipe = new TransformStream<Uint8Array, Uint8Array>();
  const w = new BoundedWriter(pipe.writable, 1000);
  await pipe.readable.cancel("reader gone");
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(w.open, false);
  assert.equal(w.write(line("x")), false);
  await w.close();
});
