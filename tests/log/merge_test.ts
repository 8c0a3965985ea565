import assert from "node:assert/strict";
import { placeEvent, splitQueue } from "../../src/log/merge.ts";
import { asSeq } from "../../src/protocol/types.ts";

Deno.test("placeEvent: skip what was sent, send the next, and a gap past it", () => {
  const table: Array<[number, number, string]> = [
    [0, 1, "send"],
    [4, 5, "send"],
    [4, 4, "skip"],
    [4, 2, "skip"],
    [4, 6, "gap"],
    [0, 3, "gap"],
  ];
  for (const [last, seq, want] of table) {
    assert.equal(placeEvent(last, seq), want, `${last} → ${seq}`);
  }
});

const q = (...seqs: number[]) => seqs.map((s) => ({ seq: asSeq(s), frame: `e${s}` }));
const seqs = (xs: Array<{ seq: number }>) => xs.map((x) => x.seq);

Deno.test("splitQueue: drops what was sent, sends the contiguous run, keeps the rest behind a gap", () => {
  const table: Array<[number, number[], number[], number[]]> = [
    [3, [], [], []],
    [3, [4, 5, 6], [4, 5, 6], []],
    [3, [2, 3, 4], [4], []], // the replay already sent 2 and 3
    [3, [5, 6], [], [5, 6]], // 4 is missing: everything waits
    [3, [4, 6, 7], [4], [6, 7]], // a gap after 4
    [3, [1, 2], [], []], // all sent already
    [0, [1, 2, 3], [1, 2, 3], []],
  ];
  for (const [last, queue, ready, waiting] of table) {
    const split = splitQueue(last, q(...queue));
    assert.deepEqual(
      [seqs(split.ready), seqs(split.waiting)],
      [ready, waiting],
      `${last} with [${queue}]`,
    );
  }
});
