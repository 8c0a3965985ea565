import assert from "node:assert/strict";
import { judgeSeq } from "../../web/sdk/sequencer.ts";

Deno.test("only the next seq applies; older ones are duplicates; a jump is a gap", () => {
  assert.equal(judgeSeq(0, 1), "apply");
  assert.equal(judgeSeq(9, 10), "apply");
  assert.equal(judgeSeq(10, 10), "duplicate");
  assert.equal(judgeSeq(10, 3), "duplicate");
  assert.equal(judgeSeq(10, 12), "gap");
  assert.equal(judgeSeq(0, 2), "gap");
});
