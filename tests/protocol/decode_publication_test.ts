import assert from "node:assert/strict";
import { decodeClientFrame, DecodeError } from "../../src/protocol/decode.ts";
import { platformHostAllowed } from "../../src/protocol/decode_publication.ts";

function code(frame: Record<string, unknown>): string {
  try {
    decodeClientFrame(JSON.stringify(frame));
  } catch (e) {
    assert.ok(e instanceof DecodeError);
    return e.code;
  }
  return "decoded";
}

Deno.test("decodes the v1.2 publication commands", () => {
  assert.deepEqual(decodeClientFrame('{"type":"UNDO","id":1,"response_id":3}'), {
    type: "UNDO",
    id: 1,
    response_id: 3,
  });
  assert.deepEqual(decodeClientFrame('{"type":"TAKE"}'), { type: "TAKE", max: 1 });
  assert.deepEqual(
    decodeClientFrame('{"type":"TAKE","platforms":["vk","vk","telegram"],"max":20}'),
    { type: "TAKE", platforms: ["vk", "telegram"], max: 20 },
  );
  assert.deepEqual(
    decodeClientFrame(
      '{"type":"PUBLISHED","response_id":3,"attempt":2,"platform_ref":"r","url":"https://t.me/c/1"}',
    ),
    { type: "PUBLISHED", response_id: 3, attempt: 2, platform_ref: "r", url: "https://t.me/c/1" },
  );
  assert.deepEqual(
    decodeClientFrame('{"type":"PUBLISH_FAILED","response_id":3,"attempt":1,"reason":"x"}'),
    { type: "PUBLISH_FAILED", response_id: 3, attempt: 1, reason: "x", retryable: true },
  );
  assert.deepEqual(
    decodeClientFrame(
      '{"type":"PUBLISH_FAILED","response_id":3,"attempt":1,"reason":"x","retryable":false,"retry_after_ms":0}',
    ),
    {
      type: "PUBLISH_FAILED",
      response_id: 3,
      attempt: 1,
      reason: "x",
      retryable: false,
      retry_after_ms: 0,
    },
  );
});

Deno.test("every bad field of a publication command has its code", () => {
  const table: [Record<string, unknown>, string][] = [
    [{ type: "UNDO" }, "bad_frame"],
    [{ type: "RETRY", response_id: -1 }, "bad_frame"],
    [{ type: "TAKE", max: 0 }, "bad_frame"],
    [{ type: "TAKE", max: 21 }, "bad_frame"],
    [{ type: "TAKE", max: 1.5 }, "bad_frame"],
    [{ type: "TAKE", platforms: [] }, "bad_frame"],
    [{ type: "TAKE", platforms: ["x"] }, "bad_frame"],
    [{ type: "TAKE", platforms: Array(9).fill("vk") }, "bad_frame"],
    [{ type: "PUBLISHED", response_id: 1 }, "bad_frame"],
    [{ type: "PUBLISHED", response_id: 1, attempt: "1" }, "bad_frame"],
    [{ type: "PUBLISHED", response_id: 1, attempt: 1, platform_ref: 5 }, "bad_frame"],
    [{ type: "PUBLISHED", response_id: 1, attempt: 1, platform_ref: "x".repeat(129) }, "too_large"],
    [{ type: "PUBLISHED", response_id: 1, attempt: 1, url: "http://vk.com/x" }, "bad_frame"],
    [{ type: "PUBLISHED", response_id: 1, attempt: 1, url: "not a url" }, "bad_frame"],
    [{ type: "PUBLISHED", response_id: 1, attempt: 1, url: "https://u:p@vk.com/" }, "bad_frame"],
    [
      { type: "PUBLISHED", response_id: 1, attempt: 1, url: `https://vk.com/${"x".repeat(500)}` },
      "too_large",
    ],
    [{ type: "PUBLISH_FAILED", response_id: 1, attempt: 1 }, "bad_frame"],
    [{ type: "PUBLISH_FAILED", response_id: 1, attempt: 1, reason: "x".repeat(1025) }, "too_large"],
    [
      { type: "PUBLISH_FAILED", response_id: 1, attempt: 1, reason: "x", retryable: 1 },
      "bad_frame",
    ],
    [{
      type: "PUBLISH_FAILED",
      response_id: 1,
      attempt: 1,
      reason: "x",
      retry_after_ms: 86_400_001,
    }, "bad_frame"],
  ];
  for (const [frame, expected] of table) assert.equal(code(frame), expected, JSON.stringify(frame));
});

Deno.test("a reply's URL must be on its platform's own host", () => {
  assert.ok(platformHostAllowed("vk", "https://vk.com/wall-1_2?reply=3"));
  assert.ok(platformHostAllowed("vk", "https://m.vk.com/wall-1_2"));
  assert.ok(platformHostAllowed("telegram", "https://t.me/chan/5?comment=9"));
  assert.ok(!platformHostAllowed("vk", "https://t.me/chan/5"));
  assert.ok(!platformHostAllowed("telegram", "https://t.me.evil.example/x"));
  assert.ok(!platformHostAllowed("telegram", "https://evilt.me/x"));
  assert.ok(!platformHostAllowed("myspace", "https://vk.com/x"));
});
