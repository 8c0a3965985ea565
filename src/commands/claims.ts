/**
 * `CLAIM` and `RELEASE` (v1.1, PROTOCOL.md §3.1): an operator takes, renews
 * or ends a claim on a pending response. Like the other handlers they
 * return the frame to send and never touch a socket; the store decides
 * races, the lease arithmetic is `src/claims/lease.ts`.
 * @module
 */
import type { Identity } from "../auth/jwt.ts";
import { leaseUntil } from "../claims/lease.ts";
import type { ClaimAck, ClaimedErrorFrame, ReleaseAck } from "../protocol/acks.ts";
import type { ClaimFrame, CommandId, ErrorFrame, ReleaseFrame } from "../protocol/frames.ts";
import { isReviewer, type ResponseId } from "../protocol/types.ts";
import type { ClaimRefusal } from "../store/rows.ts";
import type { CommandDeps } from "./context.ts";
import { errorFrame, failureFrame } from "./errors.ts";

/**
 * The `ERROR` `claimed` for a refused command.
 * @param id the command's id
 * @param responseId the response
 * @param refusal who holds it and until when
 * @returns the frame, with `claimed_by` and `claim_until`
 */
export function claimedFrame(
  id: CommandId | undefined,
  responseId: ResponseId,
  refusal: ClaimRefusal,
): ClaimedErrorFrame {
  const until = refusal.until.toISOString();
  return errorFrame(
    id,
    "claimed",
    `response ${responseId} is claimed by ${refusal.holder} until ${until}`,
    { claimed_by: refusal.holder, claim_until: until },
  );
}

/** `CLAIM`: takes or renews a claim for `CLAIM_LEASE_MS`. */
export async function claimResponse(
  identity: Identity,
  frame: ClaimFrame,
  deps: CommandDeps,
): Promise<ClaimAck | ErrorFrame> {
  if (!isReviewer(identity.role)) {
    return errorFrame(frame.id, "forbidden", "CLAIM is for the operator and admin roles");
  }
  if (!deps.isReady()) return errorFrame(frame.id, "unavailable", "the database does not answer");
  const now = deps.clock.now();
  const until = leaseUntil(now, deps.claimLeaseMs);
  const withId = frame.id === undefined ? {} : { id: frame.id };
  try {
    const result = await deps.store.claim({
      responseId: frame.response_id,
      by: identity.sub,
      at: new Date(now),
      until,
      ...(deps.claimMaxPerUser === undefined ? {} : { maxPerUser: deps.claimMaxPerUser }),
    });
    switch (result.kind) {
      case "appended":
        deps.fanout.publish(result.event);
        return {
          type: "ACK",
          ...withId,
          response_id: frame.response_id,
          seq: result.event.seq,
          duplicate: false,
          claimed_by: identity.sub,
          claim_until: until.toISOString(),
        };
      case "current":
        // v1.2: a renewal in the first half of the lease changes nothing.
        return {
          type: "ACK",
          ...withId,
          response_id: frame.response_id,
          seq: result.seq,
          duplicate: false,
          claimed_by: result.holder,
          claim_until: result.until.toISOString(),
        };
      case "too_many_claims":
        return errorFrame(
          frame.id,
          "too_many_claims",
          `${identity.sub} already holds ${result.limit} live claims (CLAIM_MAX_PER_USER); ` +
            "release or decide one first",
          { limit: result.limit },
        );
      case "claimed":
        return claimedFrame(frame.id, frame.response_id, result);
      case "not_found":
        return errorFrame(frame.id, "not_found", `response ${frame.response_id} does not exist`);
      case "not_pending":
        return errorFrame(
          frame.id,
          "not_pending",
          result.decidedBy
            ? `response ${frame.response_id} was already ${result.status} by ${result.decidedBy}`
            : `response ${frame.response_id} is ${result.status}, not pending`,
          { status: result.status, decided_by: result.decidedBy },
        );
      default: {
        const never: never = result;
        throw new TypeError(`unexpected result ${JSON.stringify(never)}`);
      }
    }
  } catch (e) {
    return failureFrame(frame.id, e, deps.logger);
  }
}

/** `RELEASE`: ends the caller's claim (an admin's: anyone's). */
export async function releaseResponse(
  identity: Identity,
  frame: ReleaseFrame,
  deps: CommandDeps,
): Promise<ReleaseAck | ErrorFrame> {
  if (!isReviewer(identity.role)) {
    return errorFrame(frame.id, "forbidden", "RELEASE is for the operator and admin roles");
  }
  if (!deps.isReady()) return errorFrame(frame.id, "unavailable", "the database does not answer");
  const withId = frame.id === undefined ? {} : { id: frame.id };
  try {
    const result = await deps.store.release({
      responseId: frame.response_id,
      by: identity.sub,
      admin: identity.role === "admin",
      at: new Date(deps.clock.now()),
    });
    switch (result.kind) {
      case "appended":
        deps.fanout.publish(result.event);
        return {
          type: "ACK",
          ...withId,
          response_id: frame.response_id,
          seq: result.event.seq,
          duplicate: false,
        };
      case "not_held":
        return { type: "ACK", ...withId, response_id: frame.response_id, duplicate: true };
      case "claimed":
        return claimedFrame(frame.id, frame.response_id, result);
      case "not_found":
        return errorFrame(frame.id, "not_found", `response ${frame.response_id} does not exist`);
      default: {
        const never: never = result;
        throw new TypeError(`unexpected result ${JSON.stringify(never)}`);
      }
    }
  } catch (e) {
    return failureFrame(frame.id, e, deps.logger);
  }
}
