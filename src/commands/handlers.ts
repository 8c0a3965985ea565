/**
 * One handler per command. Each returns the frame to send; none touches a
 * socket. `submitResponse` also serves `POST /api/sr`.
 * @module
 */
import type { Identity } from "../auth/jwt.ts";
import { CLOSE, ProtocolError } from "../protocol/codes.ts";
import { REVOKED_REASON } from "../protocol/close_codes.ts";
import { RevokedTokenError } from "../people/revocations.ts";
import type {
  AckFrame,
  ApproveFrame,
  CommandId,
  ErrorFrame,
  HelloFrame,
  RejectFrame,
} from "../protocol/frames.ts";
import type { DecisionAck, EventAck, SrAck } from "../protocol/acks.ts";
import { isReviewer, type ResponseId } from "../protocol/types.ts";
import type { DecideResult } from "../store/response_store.ts";
import { claimedFrame } from "./claims.ts";
import type { CommandDeps, Outcome, SessionView } from "./context.ts";
import { errorFrame, failureFrame } from "./errors.ts";
import { publicationDeps } from "../publication/defaults.ts";

/**
 * `CL`: verifies the token; the role comes from it. A bad token closes 4001
 * after `ERROR unauthorized`.
 */
export async function handleHello(
  session: SessionView,
  frame: HelloFrame,
  deps: CommandDeps,
): Promise<Outcome> {
  if (session.identity) {
    return reply(errorFrame(frame.id, "already_authenticated", "CL was already accepted"));
  }
  let identity: Identity;
  try {
    identity = await deps.auth.verify(frame.token, deps.clock.now());
  } catch (e) {
    const err = e instanceof ProtocolError ? e : new ProtocolError("unauthorized", "bad token");
    // The revocations not read yet (database down since the start) is retryable, not the token's fault.
    if (err.code === "unavailable") return reply(errorFrame(frame.id, "unavailable", err.message));
    return {
      kind: "close",
      code: CLOSE.badToken,
      reason: e instanceof RevokedTokenError ? REVOKED_REASON : "bad or expired token",
      frame: errorFrame(frame.id, "unauthorized", err.message),
    };
  }
  if (!deps.isReady()) {
    return reply(errorFrame(frame.id, "unavailable", "the server is not ready; try again"));
  }
  return { kind: "hello", identity, id: frame.id, resume: frame.resume };
}

/**
 * `SR` (frame or `POST /api/sr`): announces a pending response.
 * @param identity the module's identity
 * @param responseId the response
 * @param id the command's id
 * @param deps dependencies
 * @returns `ACK` or `ERROR`
 */
export async function submitResponse(
  identity: Identity,
  responseId: ResponseId,
  id: CommandId | undefined,
  deps: CommandDeps,
): Promise<SrAck | ErrorFrame> {
  if (identity.role !== "module") {
    return errorFrame(id, "forbidden", "SR is for the module role");
  }
  if (!deps.isReady()) return errorFrame(id, "unavailable", "the database does not answer");
  try {
    const result = await deps.processPending(responseId);
    if (result.kind === "appended") deps.fanout.publish(result.event);
    return resultFrame(id, responseId, result);
  } catch (e) {
    return failureFrame(id, e, deps.logger);
  }
}

/**
 * `APPROVED` / `REJECTED`: records a decision; exactly one wins a race, and
 * (v1.1) nobody but the holder of a live claim may decide (`claimed`).
 */
export async function decideResponse(
  identity: Identity,
  frame: ApproveFrame | RejectFrame,
  deps: CommandDeps,
): Promise<DecisionAck | ErrorFrame> {
  if (!isReviewer(identity.role)) {
    return errorFrame(frame.id, "forbidden", `${frame.type} is for the operator and admin roles`);
  }
  if (!deps.isReady()) return errorFrame(frame.id, "unavailable", "the database does not answer");
  const now = deps.clock.now();
  const publication = publicationDeps(deps);
  try {
    const result = await deps.store.decide({
      responseId: frame.response_id,
      decision: frame.type === "APPROVED" ? "approved" : "rejected",
      by: identity.sub,
      at: new Date(now),
      undoUntil: new Date(now + publication.settings.undoWindowMs),
      ...(frame.type === "APPROVED" && frame.text !== undefined ? { text: frame.text } : {}),
      ...(frame.type === "REJECTED" && frame.reason !== undefined ? { reason: frame.reason } : {}),
    });
    if (result.kind === "appended") {
      deps.fanout.publish(result.event);
      publication.waker.wakeAt(now + publication.settings.undoWindowMs);
    }
    return resultFrame(frame.id, frame.response_id, result);
  } catch (e) {
    return failureFrame(frame.id, e, deps.logger);
  }
}

function resultFrame(
  id: CommandId | undefined,
  responseId: ResponseId,
  result: DecideResult,
): EventAck | ErrorFrame {
  const withId = id === undefined ? {} : { id };
  switch (result.kind) {
    case "appended":
      return {
        type: "ACK",
        ...withId,
        response_id: responseId,
        seq: result.event.seq,
        duplicate: false,
      };
    case "duplicate":
      return { type: "ACK", ...withId, response_id: responseId, seq: result.seq, duplicate: true };
    case "claimed":
      return claimedFrame(id, responseId, result);
    case "not_found":
      return errorFrame(id, "not_found", `response ${responseId} does not exist`);
    case "not_pending":
      return errorFrame(
        id,
        "not_pending",
        result.decidedBy
          ? `response ${responseId} was already ${result.status} by ${result.decidedBy}`
          : `response ${responseId} is ${result.status}, not pending`,
        { status: result.status, decided_by: result.decidedBy },
      );
    default: {
      const never: never = result;
      throw new TypeError(`unexpected result ${JSON.stringify(never)}`);
    }
  }
}

function reply(frame: AckFrame | ErrorFrame): Outcome {
  return { kind: "reply", frame };
}
