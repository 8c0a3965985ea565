import assert from "node:assert/strict";
import { Slot } from "../../src/app/slot.ts";

Deno.test("a slot is empty until filled, and take empties it and returns what it held", () => {
  const slot = new Slot<{ name: string }>();
  const read = slot.current; // handed on unbound, as the fan-out takes it
  assert.equal(read(), null);
  const part = { name: "broker" };
  slot.fill(part);
  assert.equal(read(), part);
  assert.equal(slot.take(), part);
  assert.equal(read(), null);
  assert.equal(slot.take(), null);
});
