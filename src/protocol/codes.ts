/**
 * Error and close codes of wire protocol v1 (PROTOCOL.md §4), as `as const`
 * tables with the types derived from them.
 * @module
 */
import { CLOSE_CODES, type CloseCodes } from "./close_codes.ts";

/** Every `ERROR.code` of the protocol, with whether a client may retry it. */
export const ERROR_CODES = {
  bad_json: { retryable: false },
  bad_frame: { retryable: false },
  unknown_type: { retryable: false },
  not_authenticated: { retryable: false },
  unauthorized: { retryable: false },
  already_authenticated: { retryable: false },
  forbidden: { retryable: false },
  not_found: { retryable: false },
  not_pending: { retryable: false },
  too_large: { retryable: false },
  rate_limited: { retryable: true },
  unavailable: { retryable: true },
  /** v1.1: another user holds a live claim (fields `claimed_by`, `claim_until`). */
  claimed: { retryable: false },
  /** v1.2: an `UNDO` after the window. */
  too_late: { retryable: false },
  /** v1.2: the response is not in a state the command applies to (field `state`). */
  bad_state: { retryable: false },
  internal: { retryable: false },
} as const;

/** A protocol error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** HTTP status of each error code for `POST /api/sr` (PROTOCOL.md §2). */
export const HTTP_STATUS_OF: Readonly<Record<ErrorCode, number>> = {
  bad_json: 400,
  bad_frame: 400,
  unknown_type: 400,
  not_authenticated: 401,
  unauthorized: 401,
  already_authenticated: 400,
  forbidden: 403,
  not_found: 404,
  not_pending: 409,
  too_large: 400,
  rate_limited: 429,
  unavailable: 503,
  claimed: 409,
  too_late: 409,
  bad_state: 409,
  internal: 500,
};

/** WebSocket close codes the server uses, named by what happened (the table is `CLOSE_CODES`). */
export const CLOSE: CloseCodes = Object.freeze(
  Object.fromEntries(Object.entries(CLOSE_CODES).map(([name, { code }]) => [name, code])),
) as CloseCodes;

/** A close code the server sends. */
export type CloseCode = CloseCodes[keyof CloseCodes];

/**
 * A failure the protocol can express: carries the `ERROR.code` and, where the
 * failure ends the connection, the close code.
 */
export class ProtocolError extends Error {
  /** The `ERROR.code` sent to the client (its `retryable` comes from `ERROR_CODES`). */
  readonly code: ErrorCode;
  /** Extra fields for the `ERROR` frame (e.g. `status`, `decided_by`). */
  readonly fields: Readonly<Record<string, unknown>>;

  /**
   * Creates a protocol error. Which errors end the connection is the
   * handlers' outcome (`kind: "close"`), not the error's.
   * @param code the protocol error code
   * @param message a message for people
   * @param fields extra frame fields
   */
  constructor(code: ErrorCode, message: string, fields: Record<string, unknown> = {}) {
    super(message);
    this.name = "ProtocolError";
    this.code = code;
    this.fields = fields;
  }
}
