/**
 * `routeFrame`: the typed switch router, one call per decoded client frame.
 * `echo` is the same function under the seed's name.
 * @module
 */
import type { ClientFrame, ServerFrame } from "../protocol/frames.ts";
import type { CommandDeps, Outcome, SessionView } from "./context.ts";
import { errorFrame } from "./errors.ts";
import { decideResponse, handleHello, submitResponse } from "./handlers.ts";
import { claimResponse, releaseResponse } from "./claims.ts";
import { retryPublication, undoDecision } from "../publication/commands.ts";
import { reportFailed, reportPublished, takeJobs } from "../publication/module_commands.ts";

/**
 * Handles one client frame. Commands that need no I/O (`HEARTBEAT`, a
 * command before `CL`) answer synchronously, so the most frequent frame
 * costs no promise; the others answer with a promise.
 * @param session the connection's identity
 * @param frame the decoded frame
 * @param deps dependencies
 * @returns what the connection layer should do, or a promise of it
 */
export function routeFrame(
  session: SessionView,
  frame: ClientFrame,
  deps: CommandDeps,
): Outcome | Promise<Outcome> {
  const identity = session.identity;
  if (frame.type !== "CL" && identity === null) {
    return {
      kind: "reply",
      frame: errorFrame(frame.id, "not_authenticated", "send CL first"),
    };
  }
  switch (frame.type) {
    case "CL":
      return handleHello(session, frame, deps);
    case "HEARTBEAT":
      return {
        kind: "reply",
        frame: {
          type: "HEARTBEAT",
          ...(frame.id === undefined ? {} : { id: frame.id }),
          ts: deps.clock.now(),
        },
      };
    case "SR":
      return submitResponse(identity!, frame.response_id, frame.id, deps).then(reply);
    case "APPROVED":
    case "REJECTED":
      return decideResponse(identity!, frame, deps).then(reply);
    case "CLAIM":
      return claimResponse(identity!, frame, deps).then(reply);
    case "RELEASE":
      return releaseResponse(identity!, frame, deps).then(reply);
    // v1.2: the publication pipeline (src/publication/).
    case "UNDO":
      return undoDecision(identity!, frame, deps).then(reply);
    case "RETRY":
      return retryPublication(identity!, frame, deps).then(reply);
    case "TAKE":
      return takeJobs(identity!, frame, deps).then(reply);
    case "PUBLISHED":
      return reportPublished(identity!, frame, deps).then(reply);
    case "PUBLISH_FAILED":
      return reportFailed(identity!, frame, deps).then(reply);
    default: {
      const never: never = frame;
      throw new TypeError(`unhandled frame ${JSON.stringify(never)}`);
    }
  }
}

/** The seed design's name for the router: `routeFrame`. */
export const echo: typeof routeFrame = routeFrame;

function reply(frame: ServerFrame): Outcome {
  return { kind: "reply", frame };
}
