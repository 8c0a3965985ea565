/**
 * `UNDO` (operators and admins) and `RETRY` (admins) — PROTOCOL.md §3.1
 * v1.2. Like the other handlers they return the frame to send and never
 * touch a socket; the store decides races.
 * @module
 */
import type { Identity } from "../auth/jwt.ts";
import type { CommandDeps } from "../commands/context.ts";
import { errorFrame, failureFrame } from "../commands/errors.ts";
import type { EventAck } from "../protocol/acks.ts";
import type { CommandId, ErrorFrame } from "../protocol/frames.ts";
import type { RetryFrame, UndoFrame } from "../protocol/publication_frames.ts";
import { isReviewer, type ResponseId, type Seq } from "../protocol/types.ts";
import type { BadState } from "./store_types.ts";
import { publicationDeps } from "./defaults.ts";

/**
 * The `ERROR` `bad_state` naming the state.
 * @param id the command's id
 * @param responseId the response
 * @param r the refusal
 * @returns the frame, with `state`
 */
export function badStateFrame(
  id: CommandId | undefined,
  responseId: ResponseId,
  r: BadState,
): ErrorFrame {
  return errorFrame(id, "bad_state", `response ${responseId} is ${r.state}`, { state: r.state });
}

/**
 * The `ACK` of a command that appended an event or found it done.
 * @param id the command's id
 * @param responseId the response
 * @param seq the event appended, or the original's for a duplicate
 * @param duplicate whether it was already done
 * @returns the frame
 */
export function eventAck(
  id: CommandId | undefined,
  responseId: ResponseId,
  seq: Seq,
  duplicate: boolean,
): EventAck {
  return {
    type: "ACK",
    ...(id === undefined ? {} : { id }),
    response_id: responseId,
    seq,
    duplicate,
  };
}

/** `UNDO`: reopens a decision within its window (the decider's own; an admin's: anyone's). */
export async function undoDecision(
  identity: Identity,
  frame: UndoFrame,
  deps: CommandDeps,
): Promise<EventAck | ErrorFrame> {
  if (!isReviewer(identity.role)) {
    return errorFrame(frame.id, "forbidden", "UNDO is for the operator and admin roles");
  }
  if (!deps.isReady()) return errorFrame(frame.id, "unavailable", "the database does not answer");
  const p = publicationDeps(deps);
  const id = frame.response_id;
  try {
    const result = await deps.store.undo(
      {
        responseId: id,
        by: identity.sub,
        admin: identity.role === "admin",
        at: new Date(deps.clock.now()),
      },
      p.card,
    );
    switch (result.kind) {
      case "appended":
        deps.fanout.publish(result.event);
        return eventAck(frame.id, id, result.event.seq, false);
      case "not_found":
        return errorFrame(frame.id, "not_found", `response ${id} does not exist`);
      case "forbidden":
        return errorFrame(
          frame.id,
          "forbidden",
          `response ${id} was decided by ${result.decidedBy}; only they or an admin may undo it`,
          { decided_by: result.decidedBy },
        );
      case "too_late":
        return errorFrame(
          frame.id,
          "too_late",
          `the undo window of response ${id} has passed`,
          { undo_until: result.undoUntil?.toISOString() ?? null },
        );
      case "bad_state":
        return badStateFrame(frame.id, id, result);
      default: {
        const never: never = result;
        throw new TypeError(`unexpected result ${JSON.stringify(never)}`);
      }
    }
  } catch (e) {
    return failureFrame(frame.id, e, deps.logger);
  }
}

/** `RETRY` (admin): a failed publication goes back to the queue, due now. */
export async function retryPublication(
  identity: Identity,
  frame: RetryFrame,
  deps: CommandDeps,
): Promise<EventAck | ErrorFrame> {
  if (identity.role !== "admin") {
    return errorFrame(frame.id, "forbidden", "RETRY is for the admin role");
  }
  if (!deps.isReady()) return errorFrame(frame.id, "unavailable", "the database does not answer");
  const id = frame.response_id;
  try {
    const result = await deps.store.retry({
      responseId: id,
      by: identity.sub,
      at: new Date(deps.clock.now()),
    });
    switch (result.kind) {
      case "appended":
        deps.fanout.publish(result.event);
        return eventAck(frame.id, id, result.event.seq, false);
      case "not_found":
        return errorFrame(frame.id, "not_found", `response ${id} does not exist`);
      case "bad_state":
        return badStateFrame(frame.id, id, result);
      default: {
        const never: never = result;
        throw new TypeError(`unexpected result ${JSON.stringify(never)}`);
      }
    }
  } catch (e) {
    return failureFrame(frame.id, e, deps.logger);
  }
}
