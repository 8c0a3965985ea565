/**
 * The publishing module's commands (PROTOCOL.md §3.1 v1.2): `TAKE`,
 * `PUBLISHED`, `PUBLISH_FAILED`. Each returns the frame to send; the store
 * decides races and each event it appended goes to the fan-out.
 * @module
 */
import type { Identity } from "../auth/jwt.ts";
import type { CommandDeps } from "../commands/context.ts";
import { errorFrame, failureFrame } from "../commands/errors.ts";
import { platformHostAllowed } from "../protocol/decode_publication.ts";
import type { EventAck, StaleAck, TakeAck } from "../protocol/acks.ts";
import type { CommandId, ErrorFrame } from "../protocol/frames.ts";
import type { ResponseId } from "../protocol/types.ts";
import type {
  PublishedFrame,
  PublishFailedFrame,
  TakeFrame,
} from "../protocol/publication_frames.ts";
import { badStateFrame, eventAck } from "./commands.ts";
import { publicationDeps } from "./defaults.ts";
import { retryDueAt } from "./policy.ts";
import { jobView } from "./views.ts";

function moduleOnly(identity: Identity, frame: { type: string; id?: string | number }) {
  return identity.role === "module"
    ? null
    : errorFrame(frame.id, "forbidden", `${frame.type} is for the module role`);
}

/** `TAKE`: up to `max` due jobs, oldest due first, each under a lease. */
export async function takeJobs(
  identity: Identity,
  frame: TakeFrame,
  deps: CommandDeps,
): Promise<TakeAck | ErrorFrame> {
  const refused = moduleOnly(identity, frame);
  if (refused) return refused;
  if (!deps.isReady()) return errorFrame(frame.id, "unavailable", "the database does not answer");
  const p = publicationDeps(deps);
  const now = deps.clock.now();
  try {
    const jobs = await deps.store.take({
      by: identity.sub,
      ...(frame.platforms === undefined ? {} : { platforms: frame.platforms }),
      max: frame.max,
      at: new Date(now),
      leaseUntil: new Date(now + p.settings.leaseMs),
    });
    for (const job of jobs) deps.fanout.publish(job.event);
    p.observer.taken(jobs.length);
    return {
      type: "ACK",
      ...(frame.id === undefined ? {} : { id: frame.id }),
      jobs: jobs.map(jobView),
    };
  } catch (e) {
    return failureFrame(frame.id, e, deps.logger);
  }
}

/**
 * The `ACK` of a report about an earlier attempt: nothing was recorded.
 * @param id the command's id
 * @param responseId the response
 * @returns the frame
 */
function staleAck(id: CommandId | undefined, responseId: ResponseId): StaleAck {
  return { type: "ACK", ...(id === undefined ? {} : { id }), response_id: responseId, stale: true };
}

/** `PUBLISHED`: ends the publication (a late success too); repeated: `duplicate`. */
export async function reportPublished(
  identity: Identity,
  frame: PublishedFrame,
  deps: CommandDeps,
): Promise<EventAck | ErrorFrame> {
  const refused = moduleOnly(identity, frame);
  if (refused) return refused;
  if (!deps.isReady()) return errorFrame(frame.id, "unavailable", "the database does not answer");
  const p = publicationDeps(deps);
  const id = frame.response_id;
  const now = deps.clock.now();
  try {
    if (frame.url !== undefined) {
      const [row] = await deps.store.publicationsOf([id]);
      if (row !== undefined && !platformHostAllowed(row.platform, frame.url)) {
        return errorFrame(
          frame.id,
          "bad_frame",
          `field 'url' must be on ${row.platform}'s own host`,
        );
      }
    }
    const result = await deps.store.published({
      responseId: id,
      attempt: frame.attempt,
      by: identity.sub,
      at: new Date(now),
      platformRef: frame.platform_ref ?? null,
      url: frame.url ?? null,
    });
    switch (result.kind) {
      case "appended":
        deps.fanout.publish(result.event);
        p.observer.published((now - result.decidedAt.getTime()) / 1000);
        return eventAck(frame.id, id, result.event.seq, false);
      case "duplicate":
        return eventAck(frame.id, id, result.seq, true);
      case "not_found":
        return errorFrame(frame.id, "not_found", `response ${id} does not exist`);
      case "unknown_attempt":
        return errorFrame(
          frame.id,
          "bad_frame",
          `field 'attempt': response ${id} has had ${result.attemptsTaken} attempt(s) taken`,
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

/** `PUBLISH_FAILED`: from the holder of the current attempt; an earlier one is `stale`. */
export async function reportFailed(
  identity: Identity,
  frame: PublishFailedFrame,
  deps: CommandDeps,
): Promise<EventAck | StaleAck | ErrorFrame> {
  const refused = moduleOnly(identity, frame);
  if (refused) return refused;
  if (!deps.isReady()) return errorFrame(frame.id, "unavailable", "the database does not answer");
  const p = publicationDeps(deps);
  const id = frame.response_id;
  const now = deps.clock.now();
  try {
    const result = await deps.store.publishFailed({
      responseId: id,
      attempt: frame.attempt,
      by: identity.sub,
      at: new Date(now),
      reason: frame.reason,
      retryable: frame.retryable,
      maxAttempts: p.settings.maxAttempts,
      nextDueAt: retryDueAt(now, frame.attempt, p.settings, frame.retry_after_ms),
    });
    switch (result.kind) {
      case "appended":
        deps.fanout.publish(result.event);
        p.observer.failed(frame.reason, result.final);
        return eventAck(frame.id, id, result.event.seq, false);
      case "stale":
        return staleAck(frame.id, id);
      case "not_found":
        return errorFrame(frame.id, "not_found", `response ${id} does not exist`);
      case "not_holder":
        return errorFrame(
          frame.id,
          "forbidden",
          `attempt ${frame.attempt} of response ${id} is held by ${result.holder ?? "nobody"}`,
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
