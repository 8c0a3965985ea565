import assert from "node:assert/strict";
import { concatBytes } from "../../src/transport/bytes.ts";

Deno.test("concatBytes: both runs in order, in a new array; views taken at their own offsets", () => {
  const a = Uint8Array.of(1, 2);
  const backing = Uint8Array.of(9, 3, 4, 9);
  const b = backing.subarray(1, 3);
  const out = concatBytes(a, b);
  assert.deepEqual([...out], [1, 2, 3, 4]);
  out[0] = 7;
  assert.equal(a[0], 1, "a new array, not a view of the first");
  assert.deepEqual([...concatBytes(new Uint8Array(), new Uint8Array())], []);
});
