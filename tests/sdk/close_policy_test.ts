import assert from "node:assert/strict";
import { closeAction, nextAttempt } from "../../web/sdk/close_policy.ts";

Deno.test("close codes map to the contract's reactions (PROTOCOL.md §4)", () => {
  const table: Array<[number, string]> = [
    [1000, "stop"],
    [1001, "resume"],
    [1003, "fix"],
    [1007, "fix"],
    [1005, "resume"],
    [1006, "resume"],
    [1008, "back_off"],
    [1009, "fix"],
    [1011, "back_off"],
    [1012, "resume"],
    [4001, "refresh_token"],
    [4002, "back_off"],
    [4008, "resume"],
    [4009, "resume"],
    [4029, "back_off"],
  ];
  for (const [code, action] of table) assert.equal(closeAction(code), action, `code ${code}`);
});

Deno.test("a good connection resets the backoff only when the close was not a back-off", () => {
  assert.equal(nextAttempt(5, "resume", true), 0);
  assert.equal(nextAttempt(5, "resume", false), 5);
  assert.equal(nextAttempt(5, "back_off", true), 5);
  assert.equal(nextAttempt(2, "refresh_token", true), 2);
});
