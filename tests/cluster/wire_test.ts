/** The supervisor–worker line protocol and the byte line splitter, table-tested. */
import assert from "node:assert/strict";
import { readLines } from "../../src/cluster/lines.ts";
import {
  CONTROL_MARK,
  decodeFromWorker,
  decodeToWorker,
  encodeFromWorker,
  encodeToWorker,
} from "../../src/cluster/wire.ts";
import { asSeq } from "../../src/protocol/types.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("wire: messages round-trip, one line each, newlines in payloads escaped", () => {
  const payload = 'tag\n{"type":"EVENT","html":"a\\nb \u2028 🌍"}';
  const toWorker = encodeToWorker({ t: "event", seq: asSeq(5), payload });
  assert.equal(toWorker.indexOf(0x0a), toWorker.length - 1);
  assert.deepEqual(decodeToWorker(text(toWorker).slice(0, -1)), { t: "event", seq: 5, payload });
  const fromWorker = encodeFromWorker({ t: "event", seq: asSeq(5), payload });
  assert.equal(fromWorker[0], CONTROL_MARK);
  // The relay forwards a worker's event line without its mark: it must be a valid line for a worker.
  assert.deepEqual(decodeToWorker(text(fromWorker.subarray(1)).slice(0, -1)), {
    t: "event",
    seq: 5,
    payload,
  });
  assert.deepEqual(decodeFromWorker(text(encodeFromWorker({ t: "up" })).slice(1, -1)), { t: "up" });
  const init = { t: "init", index: 2, secret: null } as const;
  assert.deepEqual(decodeToWorker(text(encodeToWorker(init)).slice(0, -1)), init);
});

Deno.test("wire: what is not a message is refused", () => {
  for (
    const line of [
      "",
      "not json",
      "[]",
      "null",
      '{"t":"event","seq":0,"payload":"x"}',
      '{"t":"event","seq":1.5,"payload":"x"}',
      '{"t":"event","seq":"1","payload":"x"}',
      '{"t":"event","seq":1,"payload":""}',
      '{"t":"init","index":0,"secret":null}',
      '{"t":"init","index":1,"secret":""}',
      '{"t":"init","index":1}',
      '{"t":"up"}',
      '{"t":"other"}',
    ]
  ) {
    assert.equal(decodeToWorker(line), null, line);
  }
  assert.equal(decodeFromWorker('{"t":"init","index":1,"secret":null}'), null);
  assert.equal(decodeFromWorker('{"t":"event","seq":-1,"payload":"x"}'), null);
});

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return ReadableStream.from(chunks.map((c) => enc.encode(c)));
}

Deno.test("readLines: lines split across chunks, several per chunk, a last one without newline", async () => {
  const lines: string[] = [];
  await readLines(streamOf(["ab", "c\nde\nf", "", "g\n\nh"]), (l) => lines.push(text(l)), {
    maxLineBytes: 100,
  });
  assert.deepEqual(lines, ["abc", "de", "fg", "", "h"]);
});

Deno.test("readLines: a line over the limit is skipped whole, the next one kept", async () => {
  const lines: string[] = [];
  let oversize = 0;
  await readLines(
    streamOf(["ok\n", "x".repeat(8), "x".repeat(8), "xx\nafter\n", "y".repeat(20), "\nend"]),
    (l) => lines.push(text(l)),
    { maxLineBytes: 10, onOversize: () => oversize++ },
  );
  assert.deepEqual(lines, ["ok", "after", "end"]);
  assert.equal(oversize, 2);
});
