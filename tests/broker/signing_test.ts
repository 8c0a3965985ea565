/**
 * Broker message authentication, pure: what verifies is exactly what was
 * signed (this epoch, this seq, these bytes, this secret); everything else
 * is refused with a reason, never guessed at.
 */
import assert from "node:assert/strict";
import {
  BROKER_KEY_INFO,
  deriveBrokerKey,
  openPayload,
  sealPayload,
} from "../../src/broker/signing.ts";
import { asSeq } from "../../src/protocol/types.ts";
import { TRICKY_FRAMES } from "./conformance.ts";

const SECRET = "broker-signing-test-secret-of-32+chars";
const EPOCH = "2f1d7c1e-epoch";

Deno.test("signing: a sealed payload opens to the same frame, byte for byte", async () => {
  const key = await deriveBrokerKey(SECRET);
  for (const [i, frame] of TRICKY_FRAMES.entries()) {
    const seq = asSeq(i + 1);
    const payload = await sealPayload(key, EPOCH, seq, frame);
    assert.match(payload, /^[A-Za-z0-9_-]{43}\n/);
    assert.equal(payload.slice(44), frame);
    assert.deepEqual(await openPayload(key, EPOCH, seq, payload), { ok: true, frame });
  }
});

Deno.test("signing: every process derives the same key from the same secret", async () => {
  const payload = await sealPayload(await deriveBrokerKey(SECRET), EPOCH, asSeq(3), "{}");
  const opened = await openPayload(await deriveBrokerKey(SECRET), EPOCH, asSeq(3), payload);
  assert.equal(opened.ok, true);
});

Deno.test("signing: another seq, epoch, frame or secret does not verify", async () => {
  const key = await deriveBrokerKey(SECRET);
  const frame = TRICKY_FRAMES[0];
  const payload = await sealPayload(key, EPOCH, asSeq(5), frame);
  const tag = payload.slice(0, 43);
  const refused = { ok: false, reason: "signature" };
  // A genuine message moved to another seq (a replay at a future seq).
  assert.deepEqual(await openPayload(key, EPOCH, asSeq(6), payload), refused);
  // The same message on another log.
  assert.deepEqual(await openPayload(key, `${EPOCH}x`, asSeq(5), payload), refused);
  // The tag of one frame on another frame, one byte changed or appended.
  assert.deepEqual(await openPayload(key, EPOCH, asSeq(5), `${tag}\n${frame} `), refused);
  assert.deepEqual(
    await openPayload(key, EPOCH, asSeq(5), `${tag}\n${frame.replace("Привет", "Привет!")}`),
    refused,
  );
  // Signed with another secret (e.g. a development-mode process).
  const other = await deriveBrokerKey(`${SECRET}-other`);
  assert.deepEqual(await openPayload(other, EPOCH, asSeq(5), payload), refused);
});

Deno.test("signing: the fields are delimited, so moving bytes between them breaks the tag", async () => {
  const key = await deriveBrokerKey(SECRET);
  // Epoch "e1" + seq 23 must not verify as epoch "e12" + seq 3.
  const payload = await sealPayload(key, "e1", asSeq(23), "{}");
  assert.equal((await openPayload(key, "e12", asSeq(3), payload)).ok, false);
  assert.equal((await openPayload(key, "e1", asSeq(23), payload)).ok, true);
});

Deno.test("signing: the key is derived for this purpose, not the secret itself", async () => {
  // A tag made with HMAC keyed by AUTH_SECRET directly (the JWT key) is refused.
  const raw = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(SECRET),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const data = new TextEncoder().encode(`${EPOCH.length}:${EPOCH}\n1\n{}`);
  const tag = new Uint8Array(await crypto.subtle.sign("HMAC", raw, data));
  const b64 = btoa(String.fromCharCode(...tag)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
  const opened = await openPayload(await deriveBrokerKey(SECRET), EPOCH, asSeq(1), `${b64}\n{}`);
  assert.deepEqual(opened, { ok: false, reason: "signature" });
  assert.match(BROKER_KEY_INFO, /broker/);
});

Deno.test("signing: what is not a signed payload is malformed", async () => {
  const key = await deriveBrokerKey(SECRET);
  const good = await sealPayload(key, EPOCH, asSeq(1), "{}");
  const tag = good.slice(0, 43);
  const malformed = [
    "",
    "{}",
    '{"type":"EVENT","seq":1,"event":"pending","html":"<script>x</script>"}',
    `${tag}`,
    `${tag}\n`,
    `${tag}{}`,
    `${tag.slice(1)}\n{}`,
    `${tag}=\n{}`,
    `${tag.slice(0, 42)}*\n{}`,
    ` ${tag}\n{}`,
  ];
  for (const payload of malformed) {
    assert.deepEqual(
      await openPayload(key, EPOCH, asSeq(1), payload),
      { ok: false, reason: "malformed" },
      JSON.stringify(payload),
    );
  }
});

Deno.test("signing: an empty secret is refused", async () => {
  await assert.rejects(() => deriveBrokerKey(""), TypeError);
});
