/**
 * The one function through which a `WebSocketClient` changes state, with the
 * table of the changes allowed (as the SDK's `web/sdk/state.ts` does):
 * `hello` → `syncing` (welcomed: replay or snapshot) → `live`; `live` →
 * `syncing` when it is found behind (the gap is read from the log); any state
 * → `closed`, which is final.
 * @module
 */
import type { ClientState, WebSocketClient } from "./client.ts";

/** The states each state may change to. */
export const CLIENT_TRANSITIONS: Readonly<Record<ClientState, readonly ClientState[]>> = {
  hello: ["syncing", "closed"],
  syncing: ["live", "closed"],
  live: ["syncing", "closed"],
  closed: [],
};

/**
 * Moves a client to another state; staying in the same state is allowed (a
 * close of a closed client is a no-op).
 * @param client the client record
 * @param to the new state
 * @throws {TypeError} when the table does not allow the change (a bug)
 */
export function transition(client: WebSocketClient, to: ClientState): void {
  const from = client.state;
  if (from === to) return;
  if (!CLIENT_TRANSITIONS[from].includes(to)) {
    throw new TypeError(`client ${client.id}: ${from} → ${to} is not a state change`);
  }
  client.state = to;
}
