import assert from "node:assert/strict";
import { createClient } from "../../src/connection/client.ts";
import { CLIENT_TRANSITIONS, transition } from "../../src/connection/client_state.ts";
import type { ClientState } from "../../src/connection/client.ts";

const socket = { readyState: 1, bufferedAmount: 0, send() {}, close() {} };
const at = (state: ClientState) => {
  const c = createClient(socket, "127.0.0.1", 0, { perSecond: 1, burst: 1 });
  c.state = state;
  return c;
};

Deno.test("client states change only as the table allows", () => {
  const states: ClientState[] = ["hello", "syncing", "live", "closed"];
  for (const from of states) {
    for (const to of states) {
      const c = at(from);
      const allowed = from === to || CLIENT_TRANSITIONS[from].includes(to);
      if (allowed) {
        transition(c, to);
        assert.equal(c.state, to, `${from} → ${to}`);
      } else {
        assert.throws(() => transition(c, to), TypeError, `${from} → ${to}`);
        assert.equal(c.state, from);
      }
    }
  }
  // The lifecycle, and the way back from live when a client is found behind.
  assert.deepEqual(CLIENT_TRANSITIONS.live, ["syncing", "closed"]);
  assert.deepEqual(CLIENT_TRANSITIONS.closed, []);
});
