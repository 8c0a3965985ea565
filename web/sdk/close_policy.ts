/**
 * What the client does after a connection ends, by close code
 * (PROTOCOL.md §4), as one pure function so the table is tested alone.
 * @module
 */

/**
 * The client's reaction to a close:
 * - `stop`: the server ended the session on purpose (1000);
 * - `fix`: the client sent something the server cannot take (1003, 1009): a bug, stop;
 * - `refresh_token`: the token was refused (4001): get a new one or stop;
 * - `back_off`: the server is overloaded or failing (1008, 1011, 4002, 4029):
 *   keep growing the delay even after a good connection;
 * - `resume`: anything else (1001, 1006 dropped network, 1012 restart, 4008, 4009):
 *   reconnect, and after a good connection start the backoff from the beginning.
 */
export type CloseAction = "stop" | "fix" | "refresh_token" | "back_off" | "resume";

/** Close code the client uses when it abandons a connection itself. */
export const CLIENT_ABANDON_CODE = 4000;

/**
 * Maps a close code to the client's reaction.
 * @param code the WebSocket close code (1006 when the connection dropped)
 * @returns what to do
 */
export function closeAction(code: number): CloseAction {
  switch (code) {
    case 1000:
      return "stop";
    case 1003:
    case 1009:
      return "fix";
    case 4001:
      return "refresh_token";
    case 1008:
    case 1011:
    case 4002:
    case 4029:
      return "back_off";
    default:
      return "resume";
  }
}

/**
 * The backoff attempt number to use for the next reconnect.
 * @param previous the attempt number the last reconnect used plus one (0 at start)
 * @param action the reaction to the close
 * @param welcomed whether the connection that ended got a `WELCOME`
 * @returns the attempt number for the next delay
 */
export function nextAttempt(previous: number, action: CloseAction, welcomed: boolean): number {
  return welcomed && action === "resume" ? 0 : previous;
}
