/**
 * The error a request's promise rejects with: the server's `ERROR` (with its
 * code and extra fields), or a failure the client itself detected.
 * @module
 */
import type { ErrorCode } from "../../src/protocol/codes.ts";

/** Codes the client adds to the protocol's: no answer in time, client closed. */
export type ClientErrorCode = "timeout" | "closed";

/** A failed request, or a refusal of the connection. */
export class ReviewError extends Error {
  /** The protocol `ERROR.code`, or `timeout` / `closed`. */
  readonly code: ErrorCode | ClientErrorCode;
  /** Whether trying again may succeed. */
  readonly retryable: boolean;
  /** Extra fields of the `ERROR` frame (e.g. `status`, `decided_by` for `not_pending`). */
  readonly fields: Readonly<Record<string, unknown>>;

  /**
   * @param code the error code
   * @param message a message for people
   * @param retryable whether trying again may succeed
   * @param fields extra fields of the frame
   */
  constructor(
    code: ErrorCode | ClientErrorCode,
    message: string,
    retryable: boolean,
    fields: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "ReviewError";
    this.code = code;
    this.retryable = retryable;
    this.fields = fields;
  }
}

/**
 * Builds the error for an `ERROR` frame.
 * @param frame the parsed frame
 * @returns the error, carrying every field but `type`, `id`, `code`, `message`, `retryable`
 */
export function errorFromFrame(frame: Record<string, unknown>): ReviewError {
  const { type: _t, id: _i, code, message, retryable, ...fields } = frame;
  return new ReviewError(
    String(code) as ErrorCode,
    typeof message === "string" ? message : String(code),
    retryable === true,
    fields,
  );
}
