/**
 * The metric label of a close code: one of a fixed set, so a peer closing
 * with codes of its choosing cannot add a label (a time series and a
 * dashboard key) per code (issue 13, row M3).
 * @module
 */
import { CLOSE_CODES, LOCAL_CLOSE_CODES } from "../protocol/close_codes.ts";

const KNOWN: ReadonlySet<number> = new Set([
  ...Object.values(CLOSE_CODES).map((c) => c.code),
  ...Object.values(LOCAL_CLOSE_CODES),
]);

/**
 * The label for a close code.
 * @param code the close code (undefined: none known)
 * @returns the code as text when it is one the server knows, else `other`
 */
export function closeCodeLabel(code: number | undefined): string {
  return code !== undefined && KNOWN.has(code) ? String(code) : "other";
}
