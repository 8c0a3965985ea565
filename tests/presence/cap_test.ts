import assert from "node:assert/strict";
import { MAX_PRESENCE_BYTES, presenceText } from "../../src/presence/cap.ts";

const entry = (user: string, since: number) => ({
  user,
  connections: 1,
  since: new Date(Date.UTC(2026, 0, 1) + since * 1000).toISOString(),
});

Deno.test("PRESENCE lists at most 100 people, the earliest since first, with total", () => {
  const list = Array.from({ length: 250 }, (_, i) => entry(`op${i}`, 250 - i));
  const frame = JSON.parse(presenceText(list).text);
  assert.equal(frame.type, "PRESENCE");
  assert.equal(frame.total, 250);
  assert.equal(frame.operators.length, 100);
  assert.equal(frame.operators[0].user, "op249", "the earliest arrival first");
  assert.equal(frame.operators[99].user, "op150");
});

Deno.test("ties on since are ordered by user; a short list is whole", () => {
  const frame = JSON.parse(presenceText([entry("b", 1), entry("a", 1), entry("c", 0)]).text);
  assert.deepEqual(frame.operators.map((e: { user: string }) => e.user), ["c", "a", "b"]);
  assert.equal(frame.total, 3);
  assert.deepEqual(JSON.parse(presenceText([]).text), {
    type: "PRESENCE",
    operators: [],
    total: 0,
  });
});

Deno.test("long user names list fewer people: a frame never passes 16 KiB", () => {
  const list = Array.from({ length: 100 }, (_, i) => entry(`${"я".repeat(250)}${i}`, i));
  const built = presenceText(list);
  assert.ok(built.bytes <= MAX_PRESENCE_BYTES, `${built.bytes} bytes`);
  assert.equal(built.bytes, new TextEncoder().encode(built.text).length);
  const frame = JSON.parse(built.text);
  assert.equal(frame.total, 100);
  assert.ok(
    frame.operators.length >= 20 && frame.operators.length < 100,
    `${frame.operators.length}`,
  );
  assert.equal(frame.operators[0].user, `${"я".repeat(250)}0`);
});
