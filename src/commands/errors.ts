/**
 * Turning failures into `ERROR` frames: protocol errors as they are, a
 * database that does not answer as `unavailable`, anything else as
 * `internal` (logged, never shown).
 * @module
 */
import type { Logger } from "../logging/logger.ts";
import { ERROR_CODES, type ErrorCode, ProtocolError } from "../protocol/codes.ts";
import type { CommandId, ErrorFrame } from "../protocol/frames.ts";
import { StoreUnavailableError } from "../store/store.ts";

/**
 * Builds an `ERROR` frame.
 * @param id the command's id, if any
 * @param code the error code
 * @param message a message for people
 * @param fields extra fields
 * @returns the frame
 */
export function errorFrame<
  C extends ErrorCode,
  F extends Record<string, unknown> = Record<never, never>,
>(
  id: CommandId | undefined,
  code: C,
  message: string,
  fields?: F,
): ErrorFrame & { readonly code: C } & Readonly<F> {
  const frame: ErrorFrame = {
    type: "ERROR",
    ...(id === undefined ? {} : { id }),
    code,
    message,
    retryable: ERROR_CODES[code].retryable,
    ...fields,
  };
  // The literal holds `code` and every field of `fields`, as the type says.
  return frame as ErrorFrame & { readonly code: C } & Readonly<F>;
}

/**
 * Maps any failure of a command to its `ERROR` frame.
 * @param id the command's id
 * @param error what was thrown
 * @param logger where unexpected failures are logged
 * @returns the frame
 */
export function failureFrame(
  id: CommandId | undefined,
  error: unknown,
  logger: Logger,
): ErrorFrame {
  if (error instanceof ProtocolError) {
    return errorFrame(id, error.code, error.message, { ...error.fields });
  }
  if (error instanceof StoreUnavailableError) {
    logger.warn("database unavailable", { error });
    return errorFrame(id, "unavailable", "the database does not answer; try again");
  }
  logger.error("command failed", { error, stack: (error as Error)?.stack });
  return errorFrame(id, "internal", "internal error");
}
