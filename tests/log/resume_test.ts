import assert from "node:assert/strict";
import { decideResume, type LogPosition } from "../../src/log/resume.ts";

Deno.test("decideResume follows PROTOCOL.md §3.3", () => {
  const log: LogPosition = { epoch: "E", head: 10, oldest: 4 };
  const cases: Array<
    [string, Parameters<typeof decideResume>[1], LogPosition, "resume" | "snapshot"]
  > = [
    ["no resume", undefined, log, "snapshot"],
    ["foreign epoch", { epoch: "F", last_seq: 5 }, log, "snapshot"],
    ["ahead of the head", { epoch: "E", last_seq: 11 }, log, "snapshot"],
    ["at the head", { epoch: "E", last_seq: 10 }, log, "resume"],
    [
      "at the head of an emptied log",
      { epoch: "E", last_seq: 10 },
      { ...log, oldest: null },
      "resume",
    ],
    ["next event still kept", { epoch: "E", last_seq: 3 }, log, "resume"],
    ["next event pruned", { epoch: "E", last_seq: 2 }, log, "snapshot"],
    [
      "from zero while nothing pruned",
      { epoch: "E", last_seq: 0 },
      { ...log, oldest: 1 },
      "resume",
    ],
    ["from zero after pruning", { epoch: "E", last_seq: 0 }, log, "snapshot"],
    ["behind an emptied log", { epoch: "E", last_seq: 5 }, { ...log, oldest: null }, "snapshot"],
    [
      "empty log from zero",
      { epoch: "E", last_seq: 0 },
      { epoch: "E", head: 0, oldest: null },
      "resume",
    ],
  ];
  for (const [name, resume, position, expected] of cases) {
    assert.equal(decideResume(position, resume), expected, name);
  }
});
