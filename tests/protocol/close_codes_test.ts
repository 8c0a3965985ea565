import assert from "node:assert/strict";
import { CLOSE_CODES, closeAction, LOCAL_CLOSE_CODES } from "../../src/protocol/close_codes.ts";
import { CLOSE } from "../../src/protocol/codes.ts";

Deno.test("every close code the server sends is one RFC 6455 lets an endpoint send, and each appears once", () => {
  const codes = Object.values(CLOSE_CODES).map((c) => c.code);
  assert.equal(new Set(codes).size, codes.length, "a code named twice");
  for (const code of codes) {
    const standard = code >= 1000 && code <= 1014 && ![1004, 1005, 1006].includes(code);
    assert.ok(standard || (code >= 4000 && code <= 4999), `${code} may not be sent`);
  }
  for (const code of Object.values(LOCAL_CLOSE_CODES)) {
    assert.ok(!codes.includes(code as never), `${code} is never sent on the wire`);
  }
});

Deno.test("CLOSE names the table's codes, and closeAction reads the table; unknown codes resume", () => {
  for (const [name, { code, action }] of Object.entries(CLOSE_CODES)) {
    assert.equal(CLOSE[name as keyof typeof CLOSE_CODES], code);
    assert.equal(closeAction(code), action);
  }
  assert.equal(CLOSE.protocolError, 1002);
  assert.equal(closeAction(CLOSE.badToken), "refresh_token");
  assert.equal(closeAction(CLOSE.tooBig), "fix");
  assert.equal(closeAction(LOCAL_CLOSE_CODES.abnormal), "resume");
  assert.equal(closeAction(LOCAL_CLOSE_CODES.noStatus), "resume");
  assert.equal(closeAction(3999), "resume");
});
