import assert from "node:assert/strict";
import { decodeClientFrame, DecodeError } from "../../src/protocol/decode.ts";

function fails(text: string): DecodeError {
  try {
    decodeClientFrame(text);
  } catch (e) {
    assert.ok(e instanceof DecodeError);
    return e;
  }
  throw new Error(`decoded: ${text}`);
}

Deno.test("decodes every client frame of the contract", () => {
  assert.deepEqual(decodeClientFrame('{"type":"CL","token":"t"}'), { type: "CL", token: "t" });
  assert.deepEqual(
    decodeClientFrame('{"type":"CL","id":1,"token":"t","resume":{"epoch":"e","last_seq":0}}'),
    { type: "CL", id: 1, token: "t", resume: { epoch: "e", last_seq: 0 } },
  );
  assert.deepEqual(decodeClientFrame('{"type":"HEARTBEAT","id":"x"}'), {
    type: "HEARTBEAT",
    id: "x",
  });
  assert.deepEqual(decodeClientFrame('{"type":"SR","response_id":3}'), {
    type: "SR",
    response_id: 3,
  });
  assert.deepEqual(
    decodeClientFrame('{"type":"APPROVED","response_id":3,"text":"hi"}'),
    { type: "APPROVED", response_id: 3, text: "hi" },
  );
  assert.deepEqual(
    decodeClientFrame('{"type":"REJECTED","response_id":3,"reason":"no","extra":1}'),
    { type: "REJECTED", response_id: 3, reason: "no" },
  );
  const max = "x".repeat(4096);
  assert.equal(
    (decodeClientFrame(`{"type":"APPROVED","response_id":1,"text":"${max}"}`) as { text: string })
      .text,
    max,
  );
});

Deno.test("rejects bad input with the contract's codes, the field named and the id kept when valid", () => {
  const cases: Array<[string, string, RegExp, unknown]> = [
    ["", "bad_json", /JSON/, undefined],
    ["{", "bad_json", /JSON/, undefined],
    ["null", "bad_frame", /object/, undefined],
    ['"CL"', "bad_frame", /object/, undefined],
    ["[]", "bad_frame", /object/, undefined],
    ['{"id":1}', "bad_frame", /'type'/, 1],
    ['{"type":["CL"],"id":"a"}', "bad_frame", /'type'/, "a"],
    ['{"type":"cl","id":"a"}', "unknown_type", /cl/, "a"],
    ['{"type":"CL","id":2}', "bad_frame", /'token'/, 2],
    ['{"type":"CL","token":""}', "bad_frame", /'token'/, undefined],
    ['{"type":"CL","token":"t","resume":5}', "bad_frame", /'resume'/, undefined],
    [
      '{"type":"CL","token":"t","resume":{"epoch":1,"last_seq":0}}',
      "bad_frame",
      /resume.epoch/,
      undefined,
    ],
    [
      '{"type":"CL","token":"t","resume":{"epoch":"e","last_seq":-1}}',
      "bad_frame",
      /resume.last_seq/,
      undefined,
    ],
    [
      '{"type":"CL","token":"t","resume":{"epoch":"e","last_seq":1.5}}',
      "bad_frame",
      /resume.last_seq/,
      undefined,
    ],
    ['{"type":"SR"}', "bad_frame", /'response_id'/, undefined],
    ['{"type":"SR","response_id":0}', "bad_frame", /'response_id'/, undefined],
    ['{"type":"SR","response_id":"5"}', "bad_frame", /'response_id'/, undefined],
    ['{"type":"SR","response_id":1e300}', "bad_frame", /'response_id'/, undefined],
    ['{"type":"APPROVED","response_id":1,"text":[]}', "bad_frame", /'text'/, undefined],
    [
      `{"type":"APPROVED","response_id":1,"text":"${"x".repeat(4097)}"}`,
      "too_large",
      /'text'/,
      undefined,
    ],
    [
      `{"type":"REJECTED","response_id":1,"reason":"${"x".repeat(1025)}"}`,
      "too_large",
      /'reason'/,
      undefined,
    ],
    ['{"type":"HEARTBEAT","id":true}', "bad_frame", /'id'/, undefined],
    ['{"type":"HEARTBEAT","id":1.5}', "bad_frame", /'id'/, undefined],
    [`{"type":"HEARTBEAT","id":"${"x".repeat(65)}"}`, "bad_frame", /'id'/, undefined],
  ];
  for (const [text, code, message, id] of cases) {
    const e = fails(text);
    assert.equal(e.code, code, text.slice(0, 60));
    assert.match(e.message, message, text.slice(0, 60));
    assert.equal(e.commandId, id, text.slice(0, 60));
  }
});

Deno.test("v1.1: CLAIM and RELEASE carry a response id, checked like the others", () => {
  assert.deepEqual(decodeClientFrame('{"type":"CLAIM","id":"c1","response_id":7}'), {
    type: "CLAIM",
    id: "c1",
    response_id: 7,
  });
  assert.deepEqual(decodeClientFrame('{"type":"RELEASE","response_id":7,"extra":true}'), {
    type: "RELEASE",
    response_id: 7,
  });
  const missing = fails('{"type":"CLAIM","id":3}');
  assert.equal(missing.code, "bad_frame");
  assert.equal(missing.commandId, 3);
  assert.match(missing.message, /response_id/);
  assert.equal(fails('{"type":"RELEASE","response_id":-1}').code, "bad_frame");
  assert.equal(fails('{"type":"RELEASE","response_id":"7"}').code, "bad_frame");
});

Deno.test("POST /api/sr bodies decode by the SR frame's rules", async () => {
  const { decodeSubmitBody } = await import("../../src/protocol/decode.ts");
  assert.equal(decodeSubmitBody('{"response_id": 42}'), 42);
  const code = (text: string) => {
    try {
      decodeSubmitBody(text);
      return "ok";
    } catch (e) {
      return `${(e as { code: string }).code}: ${(e as Error).message}`;
    }
  };
  assert.equal(code("{"), "bad_json: the body is not valid JSON");
  assert.equal(code("[1]"), "bad_frame: the body must be a JSON object");
  assert.equal(code("{}"), "bad_frame: field 'response_id' is required");
  assert.equal(
    code('{"response_id": 0}'),
    "bad_frame: field 'response_id' must be a positive integer",
  );
  assert.equal(
    code('{"response_id": "7"}'),
    "bad_frame: field 'response_id' must be a positive integer",
  );
});
