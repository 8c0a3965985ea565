/**
 * The pipeline's dependencies as a handler finds them: those the server
 * composed, or — for command contexts built without them (unit tests of
 * other handlers) — the contract's defaults, with no metrics and no waker.
 * @module
 */
import type { CommandDeps } from "../commands/context.ts";
import { asSafeHtml, type Platform } from "../protocol/types.ts";
import type { PublicationDeps } from "./deps.ts";
import { DEFAULT_PUBLICATION_SETTINGS } from "./policy.ts";

const SILENT: PublicationDeps = {
  settings: DEFAULT_PUBLICATION_SETTINGS,
  card: (row) => ({
    response_id: row.id,
    platform: row.platform as Platform,
    post_url: row.post_url,
    html: asSafeHtml(""),
  }),
  observer: { taken() {}, published() {}, failed() {}, lapsed() {} },
  waker: { wakeAt() {} },
};

/**
 * The pipeline's dependencies of a command context.
 * @param deps the context
 * @returns its `publication`, or the defaults
 */
export function publicationDeps(deps: CommandDeps): PublicationDeps {
  return deps.publication ?? SILENT;
}
