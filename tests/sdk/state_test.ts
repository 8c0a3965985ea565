import assert from "node:assert/strict";
import { canTransition, type ConnectionState, StateMachine } from "../../web/sdk/state.ts";

Deno.test("closed is final and connected never goes back to connecting", () => {
  assert.equal(canTransition("closed", "connecting"), false);
  assert.equal(canTransition("closed", "reconnecting"), false);
  assert.equal(canTransition("connected", "connecting"), false);
  assert.equal(canTransition("reconnecting", "connected"), true);
});

Deno.test("the machine reports each transition and refuses forbidden ones", () => {
  const seen: Array<[string, string]> = [];
  const m = new StateMachine((next, prev) => seen.push([prev.kind, next.kind]));
  const connected: ConnectionState = {
    kind: "connected",
    clientId: "c",
    user: "u",
    role: "operator",
  };
  assert.equal(m.transition(connected), true);
  assert.equal(m.transition({ kind: "closed", reason: { kind: "client" } }), true);
  assert.equal(m.transition(connected), false);
  assert.equal(m.current.kind, "closed");
  assert.deepEqual(seen, [["connecting", "connected"], ["connected", "closed"]]);
});
