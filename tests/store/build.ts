/**
 * The tests' stand-in for the card renderer: a pending event body built from
 * the locked row.
 * @module
 */
import type { PendingBody, ResponseRow } from "../../src/store/store.ts";
import { asSafeHtml, type Platform } from "../../src/protocol/types.ts";

/** Builds a pending body from the row, with its text in the html. */
export const build = (row: ResponseRow): PendingBody => ({
  event: "pending",
  response_id: row.id,
  platform: row.platform as Platform,
  post_url: row.post_url,
  html: asSafeHtml(`<p>${row.response_text}</p>`),
});
