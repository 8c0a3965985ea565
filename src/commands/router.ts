/**
 * `echo`: the typed switch router, one call per decoded client frame.
 * @module
 */
import type { ClientFrame } from "../protocol/frames.ts";
import type { CommandDeps, Outcome, SessionView } from "./context.ts";
import { errorFrame } from "./errors.ts";
import { decideResponse, handleHello, submitResponse } from "./handlers.ts";

/**
 * Handles one client frame.
 * @param session the connection's identity
 * @param frame the decoded frame
 * @param deps dependencies
 * @returns what the connection layer should do
 */
export async function echo(
  session: SessionView,
  frame: ClientFrame,
  deps: CommandDeps,
): Promise<Outcome> {
  const identity = session.identity;
  if (frame.type !== "CL" && identity === null) {
    return {
      kind: "reply",
      frame: errorFrame(frame.id, "not_authenticated", "send CL first"),
    };
  }
  switch (frame.type) {
    case "CL":
      return await handleHello(session, frame, deps);
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
      return {
        kind: "reply",
        frame: await submitResponse(identity!, frame.response_id, frame.id, deps),
      };
    case "APPROVED":
    case "REJECTED":
      return { kind: "reply", frame: await decideResponse(identity!, frame, deps) };
    default: {
      const never: never = frame;
      throw new TypeError(`unhandled frame ${JSON.stringify(never)}`);
    }
  }
}
