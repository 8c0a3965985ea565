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
   * Creates the error of one failed request.
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

/** (v1.1) `claimed`: another user holds a live claim on the response. */
export class ClaimedError extends ReviewError {
  /** Who holds the claim. */
  readonly claimedBy: string;
  /** When it lapses unless renewed (ISO-8601 UTC). */
  readonly claimUntil: string;

  /**
   * Creates the error of a command refused because another user holds the claim.
   * @param message a message for people
   * @param fields the frame's extra fields (`claimed_by`, `claim_until`)
   */
  constructor(message: string, fields: Record<string, unknown>) {
    super("claimed", message, false, fields);
    this.name = "ClaimedError";
    this.claimedBy = String(fields.claimed_by ?? "");
    this.claimUntil = String(fields.claim_until ?? "");
  }
}

/** `not_pending`: the response was already decided. */
export class NotPendingError extends ReviewError {
  /** Its status now (`approved`, `rejected`, …). */
  readonly status: string;
  /** Who decided it, when known. */
  readonly decidedBy: string | null;

  /**
   * Creates the error of a command on a response that is already decided.
   * @param message a message for people
   * @param fields the frame's extra fields (`status`, `decided_by`)
   */
  constructor(message: string, fields: Record<string, unknown>) {
    super("not_pending", message, false, fields);
    this.name = "NotPendingError";
    this.status = String(fields.status ?? "");
    this.decidedBy = typeof fields.decided_by === "string" ? fields.decided_by : null;
  }
}

/** (v1.2) `too_late`: an `UNDO` after the decision's window. */
export class TooLateError extends ReviewError {
  /** When the window closed (ISO-8601 UTC), when the server said. */
  readonly undoUntil: string | null;

  /**
   * Creates the error of an undo that came too late.
   * @param message a message for people
   * @param fields the frame's extra fields (`undo_until`)
   */
  constructor(message: string, fields: Record<string, unknown>) {
    super("too_late", message, false, fields);
    this.name = "TooLateError";
    this.undoUntil = typeof fields.undo_until === "string" ? fields.undo_until : null;
  }
}

/** (v1.2) `bad_state`: the response is not in a state the command applies to. */
export class BadStateError extends ReviewError {
  /** The state (`pending`, `held`, `queued`, `publishing`, `published`, `failed`, `rejected`). */
  readonly state: string;

  /**
   * Creates the error of a command refused for the response's state.
   * @param message a message for people
   * @param fields the frame's extra fields (`state`)
   */
  constructor(message: string, fields: Record<string, unknown>) {
    super("bad_state", message, false, fields);
    this.name = "BadStateError";
    this.state = String(fields.state ?? "");
  }
}

/**
 * Builds the error for an `ERROR` frame: a `ClaimedError` or
 * `NotPendingError` for those codes, a `ReviewError` for the others.
 * @param frame the parsed frame
 * @returns the error, carrying every field but `type`, `id`, `code`, `message`, `retryable`
 */
export function errorFromFrame(frame: Record<string, unknown>): ReviewError {
  const { type: _t, id: _i, code, message, retryable, ...fields } = frame;
  const text = typeof message === "string" ? message : String(code);
  if (code === "claimed") return new ClaimedError(text, fields);
  if (code === "not_pending") return new NotPendingError(text, fields);
  if (code === "too_late") return new TooLateError(text, fields); // v1.2
  if (code === "bad_state") return new BadStateError(text, fields); // v1.2
  return new ReviewError(String(code) as ErrorCode, text, retryable === true, fields);
}
