/**
 * Checks of the arguments the pipeline's `Store` methods receive, before
 * they reach the database (the handlers have checked the frames; these
 * catch a caller's programming error).
 * @module
 */
import { MAX_FAILURE_REASON_CHARS, MAX_TAKE } from "../protocol/decode_publication.ts";
import type { FailureReport, PublishedReport, TakeRequest } from "../publication/store_types.ts";
import { checkDate, checkResponseId, MAX_USER_CHARS } from "./sql_values.ts";

function checkBy(by: string): void {
  if (typeof by !== "string" || by.length === 0 || by.length > MAX_USER_CHARS) {
    throw new RangeError(`by must be a string of 1…${MAX_USER_CHARS} characters`);
  }
}

/**
 * Checks a `TAKE`.
 * @param t the take
 * @throws {RangeError|TypeError} naming the bad field
 */
export function checkTake(t: TakeRequest): void {
  checkBy(t.by);
  checkDate(t.at, "at");
  checkDate(t.leaseUntil, "leaseUntil");
  if (t.leaseUntil.getTime() <= t.at.getTime()) throw new RangeError("leaseUntil must be after at");
  if (!Number.isSafeInteger(t.max) || t.max < 1 || t.max > MAX_TAKE) {
    throw new RangeError(`max must be an integer from 1 to ${MAX_TAKE}`);
  }
  if (t.platforms !== undefined && t.platforms.length === 0) {
    throw new RangeError("platforms, when given, must not be empty");
  }
}

/**
 * Checks a success or failure report.
 * @param r the report
 * @throws {RangeError|TypeError} naming the bad field
 */
export function checkReport(r: PublishedReport | FailureReport): void {
  checkResponseId(r.responseId);
  checkBy(r.by);
  checkDate(r.at, "at");
  if (!Number.isSafeInteger(r.attempt) || r.attempt < 1) {
    throw new RangeError("attempt must be a positive integer");
  }
  if ("reason" in r) {
    if (typeof r.reason !== "string" || r.reason.length > MAX_FAILURE_REASON_CHARS) {
      throw new RangeError(`reason must be at most ${MAX_FAILURE_REASON_CHARS} characters`);
    }
    checkDate(r.nextDueAt, "nextDueAt");
  }
}
