/**
 * The close codes of PROTOCOL.md §4 in one table, each with what the client
 * should do after it (as centrifuge's `disconnect.go` documents its codes).
 * The server closes with `CLOSE` (derived from this table) and the SDK's
 * reconnect policy reads `closeAction` from it, so the two cannot drift.
 * Pure: the SDK imports it in browsers, Deno and Node.
 * @module
 */

/**
 * What a client does after a close:
 * - `stop`: the server ended the session on purpose;
 * - `fix`: the client sent something the server cannot take (a bug): stop;
 * - `refresh_token`: the token was refused or expired: get a new one, or stop;
 * - `back_off`: the server is overloaded or failing: reconnect, and keep
 *   growing the delay even after a good connection;
 * - `resume`: reconnect and resume; after a good connection the backoff
 *   starts from the beginning.
 */
export type CloseAction = "stop" | "fix" | "refresh_token" | "back_off" | "resume";

/** Every close code the server sends, by what happened, with the client's reaction. */
export const CLOSE_CODES = {
  normal: { code: 1000, action: "stop" },
  goingAway: { code: 1001, action: "resume" },
  // A frame that breaks RFC 6455 (the transport's codec). A proxy's 1002
  // reaches clients too, so the client resumes, as it did before the code
  // was in this table.
  protocolError: { code: 1002, action: "resume" },
  binaryFrame: { code: 1003, action: "fix" },
  notUtf8: { code: 1007, action: "fix" },
  policy: { code: 1008, action: "back_off" },
  tooBig: { code: 1009, action: "fix" },
  internal: { code: 1011, action: "back_off" },
  restarting: { code: 1012, action: "resume" },
  badToken: { code: 4001, action: "refresh_token" },
  helloTimeout: { code: 4002, action: "back_off" },
  heartbeatTimeout: { code: 4008, action: "resume" },
  slowConsumer: { code: 4009, action: "resume" },
  rateLimited: { code: 4029, action: "back_off" },
} as const satisfies Record<string, { code: number; action: CloseAction }>;

/**
 * Codes that are never sent on the wire (RFC 6455 §7.4.1) but are reported
 * locally: a close frame without a code (1005) and a connection that ended
 * without a close frame (1006).
 */
export const LOCAL_CLOSE_CODES = { noStatus: 1005, abnormal: 1006 } as const;

/** The close codes by name (`CLOSE.tooBig` is 1009). */
export type CloseCodes = {
  readonly [K in keyof typeof CLOSE_CODES]: typeof CLOSE_CODES[K]["code"];
};

const ACTIONS: ReadonlyMap<number, CloseAction> = new Map(
  Object.values(CLOSE_CODES).map(({ code, action }) => [code, action]),
);

/**
 * What a client does after a close with this code. Codes the server does not
 * send (1005 no code, 1006 a dropped connection) mean `resume`.
 * @param code the WebSocket close code
 * @returns the reaction
 */
export function closeAction(code: number): CloseAction {
  return ACTIONS.get(code) ?? "resume";
}

/**
 * (v1.2) The close reason of a connection ended because its user's access
 * was revoked (`4001`). The SDK and the page treat a `4001` with this reason
 * as final: no reconnect, and they say why.
 */
export const REVOKED_REASON = "your access was revoked";
