/** The broker's message codec and reconnection backoff: pure, table-tested. */
import assert from "node:assert/strict";
import {
  brokerChannel,
  decodeBrokerMessage,
  encodeBrokerMessage,
} from "../../src/broker/message.ts";
import { reconnectDelay } from "../../src/broker/redis_broker.ts";
import { asSeq } from "../../src/protocol/types.ts";
import { TRICKY_FRAMES } from "./conformance.ts";

Deno.test("message: encode then decode gives back the seq and the payload unchanged", () => {
  for (const [i, payload] of TRICKY_FRAMES.entries()) {
    const seq = asSeq(i * 1000 + 1);
    assert.deepEqual(decodeBrokerMessage(encodeBrokerMessage(seq, payload)), { seq, payload });
  }
  assert.equal(encodeBrokerMessage(asSeq(42), '{"a":1}'), '42\n{"a":1}');
});

Deno.test("message: anything else is refused, not guessed at", () => {
  const bad = [
    "",
    "42",
    "42\n",
    "\n{}",
    "0\n{}",
    "-1\n{}",
    "01\n{}",
    "4 2\n{}",
    "1.5\n{}",
    "abc\n{}",
    "99999999999999999\n{}",
    " 1\n{}",
  ];
  for (const message of bad) {
    assert.equal(decodeBrokerMessage(message), null, JSON.stringify(message));
  }
});

Deno.test("message: one channel per epoch", () => {
  assert.equal(brokerChannel("e1"), "wsserver:events:e1");
  assert.notEqual(brokerChannel("e1"), brokerChannel("e2"));
});

Deno.test("reconnectDelay grows, stays under its cap, and is jittered", () => {
  for (let attempt = 1; attempt <= 50; attempt++) {
    const d = reconnectDelay(attempt, 2000);
    const base = Math.min(2000, 100 * 2 ** (attempt - 1));
    assert.ok(d >= base / 2 && d <= base, `attempt ${attempt}: ${d}`);
  }
  const samples = new Set(Array.from({ length: 20 }, () => reconnectDelay(10, 2000)));
  assert.ok(samples.size > 1, "jitter");
});
