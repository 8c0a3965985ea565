/**
 * What command handlers get and give back. Handlers never touch a socket:
 * they receive the session's identity and their dependencies, and return an
 * `Outcome` that the connection layer carries out.
 * @module
 */
import type { Identity, TokenVerifier } from "../auth/jwt.ts";
import type { Clock } from "../clock.ts";
import type { Logger } from "../logging/logger.ts";
import type { CloseCode } from "../protocol/codes.ts";
import type { CommandId, ErrorFrame, ResumePosition, ServerFrame } from "../protocol/frames.ts";
import type { ResponseId } from "../protocol/types.ts";
import type { EventFanout } from "../fanout/event_fanout.ts";
import type { ClaimStore } from "../store/claim_store.ts";
import type { HistoryStore } from "../store/history_store.ts";
import type { ResponseStore } from "../store/response_store.ts";
import type { AppendResult } from "../store/rows.ts";
import type { PublicationStore } from "../publication/store_types.ts";
import type { PublicationDeps } from "../publication/deps.ts";

/** The part of a connection a handler may read. */
export interface SessionView {
  /** The connection's id (`WELCOME.client_id`). */
  readonly clientId: string;
  /** Set once `CL` succeeded. */
  readonly identity: Identity | null;
}

/**
 * The store's slices the commands use: decisions, claims and publication
 * (and history, which the HTTP route reads through the same dependencies).
 */
export type CommandStore =
  & Pick<ResponseStore, "decide">
  & Pick<ClaimStore, "claim" | "release">
  & PublicationStore
  & HistoryStore;

/** A handler's dependencies. */
export interface CommandDeps {
  /** Verifies the tokens of `CL` (the access gate: signature, policy, revocation). */
  readonly auth: TokenVerifier;
  /** Decisions, claims, publication (and history, for the HTTP route). */
  readonly store: CommandStore;
  /** Time, for decisions and claims. */
  readonly clock: Clock;
  /** Where handlers report what they refused or failed. */
  readonly logger: Logger;
  /** Whether the database (and broker) answered at the last check. */
  readonly isReady: () => boolean;
  /** `processPendingResponse` bound to its dependencies. */
  readonly processPending: (id: ResponseId) => Promise<AppendResult>;
  /** `CLAIM_LEASE_MS`: how long a claim lasts unless renewed. */
  readonly claimLeaseMs: number;
  /** (v1.2) `CLAIM_MAX_PER_USER`: live claims one user may hold; absent, no cap. */
  readonly claimMaxPerUser?: number;
  /** Where a handler hands each event it committed (this process's clients, the others). */
  readonly fanout: EventFanout;
  /** (v1.2) The publication pipeline's settings, card renderer, metrics and scheduler; default: the contract's. */
  readonly publication?: PublicationDeps;
}

/** What the connection layer does after a command. */
export type Outcome =
  | { readonly kind: "reply"; readonly frame: ServerFrame }
  | {
    readonly kind: "hello";
    readonly identity: Identity;
    readonly id: CommandId | undefined;
    readonly resume: ResumePosition | undefined;
  }
  | {
    readonly kind: "close";
    readonly code: CloseCode;
    readonly reason: string;
    readonly frame?: ErrorFrame;
  };
