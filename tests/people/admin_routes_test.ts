import assert from "node:assert/strict";
import { MAX_REVOKE_BODY_BYTES, readRevokeBody } from "../../src/people/admin_routes.ts";
import { parseRevocationBody } from "../../src/people/revocation_bus.ts";

const req = (body: string | Uint8Array<ArrayBuffer> | null) =>
  new Request("http://x/api/admin/revoke", { method: "POST", ...(body === null ? {} : { body }) });

Deno.test('the revoke body: {"user": 1–255 characters}, anything else says why', async () => {
  assert.equal(await readRevokeBody(req('{"user":"alice"}')), "alice");
  assert.equal(
    await readRevokeBody(req(JSON.stringify({ user: "é".repeat(255) }))),
    "é".repeat(255),
  );
  const bad: (string | Uint8Array<ArrayBuffer> | null)[] = [
    null,
    "",
    "{",
    "[]",
    "null",
    '"alice"',
    "{}",
    '{"user":5}',
    '{"user":""}',
    JSON.stringify({ user: "x".repeat(256) }),
    new Uint8Array([0x7b, 0xff, 0x7d]),
  ];
  for (const b of bad) {
    const got = await readRevokeBody(req(b));
    assert.equal(typeof got, "object", String(b).slice(0, 40));
  }
});

Deno.test("a revoke body is read no further than 4 KiB, even an endless one", async () => {
  assert.equal(MAX_REVOKE_BODY_BYTES, 4096);
  const padded = JSON.stringify({ user: "a", pad: "x".repeat(5000) });
  assert.deepEqual(await readRevokeBody(req(padded)), { why: "body over 4096 bytes" });
  let pulled = 0;
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      controller.enqueue(new Uint8Array(1024).fill(0x20));
    },
  });
  const r = new Request("http://x/api/admin/revoke", { method: "POST", body: endless });
  assert.deepEqual(await readRevokeBody(r), { why: "body over 4096 bytes" });
  assert.ok(pulled <= 8, `read ${pulled} chunks of an endless body`);
});

Deno.test("a bus message body is a revocation only when well formed", () => {
  assert.deepEqual(parseRevocationBody('{"user":"a","at":5}'), { user: "a", revokedAt: 5 });
  for (
    const b of [
      "",
      "x",
      "null",
      '{"user":"","at":5}',
      '{"user":"a","at":-1}',
      '{"user":"a","at":1.5}',
      '{"user":"a"}',
      JSON.stringify({ user: "x".repeat(256), at: 5 }),
    ]
  ) assert.equal(parseRevocationBody(b), null, b);
});
