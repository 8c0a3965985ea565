/**
 * How the page words a failed request: the server's `ERROR` (with the
 * decider or the claim holder when it names one), or a client failure.
 * @module
 */
import { ReviewError } from "../sdk/mod.ts";

/**
 * The protocol code of an error, if it carries one.
 * @param error what a request rejected with
 * @returns the code (e.g. `claimed`, `not_pending`, `timeout`), or null
 */
export function errorCode(error: unknown): string | null {
  return error instanceof ReviewError ? String(error.code) : null;
}

/**
 * A sentence for people about a failed request.
 * @param error what a request rejected with
 * @returns e.g. `already approved by carol`, `bob is editing it`
 */
export function describeError(error: unknown): string {
  if (error instanceof ReviewError) {
    const fields = error.fields;
    if (error.code === "not_pending" && typeof fields.decided_by === "string") {
      return `already ${String(fields.status ?? "decided")} by ${fields.decided_by}`;
    }
    if (String(error.code) === "claimed" && typeof fields.claimed_by === "string") {
      return `${fields.claimed_by} is editing it`;
    }
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
