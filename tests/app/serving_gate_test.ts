import assert from "node:assert/strict";
import { ServingGate } from "../../src/app/serving_gate.ts";

Deno.test("the gate is open only while the dependencies answer and the process is not stopping", () => {
  let ready = false;
  const gate = new ServingGate({ isReady: () => ready });
  const { isReady, stopping } = gate; // handed on unbound, as CommandDeps and the upgrade take them
  assert.equal(isReady(), false);
  ready = true;
  assert.equal(isReady(), true);
  assert.equal(stopping(), false);
  gate.close();
  assert.equal(stopping(), true);
  assert.equal(isReady(), false, "a stopping process refuses commands though the database answers");
});
