import assert from "node:assert/strict";
import { closeCodeLabel } from "../../src/connection/close_label.ts";
import { CLOSE_CODES } from "../../src/protocol/close_codes.ts";

Deno.test("close-code labels come from a fixed set; any other code is `other`", () => {
  for (const { code } of Object.values(CLOSE_CODES)) {
    assert.equal(closeCodeLabel(code), String(code));
  }
  assert.equal(closeCodeLabel(1006), "1006");
  assert.equal(closeCodeLabel(1005), "1005");
  const labels = new Set<string>();
  for (let code = 0; code < 65536; code++) labels.add(closeCodeLabel(code));
  labels.add(closeCodeLabel(undefined));
  assert.ok(labels.size <= Object.keys(CLOSE_CODES).length + 4, `${labels.size} labels`);
  assert.equal(closeCodeLabel(3000), "other");
  assert.equal(closeCodeLabel(undefined), "other");
});
