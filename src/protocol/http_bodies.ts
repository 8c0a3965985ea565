/**
 * The JSON bodies of the HTTP endpoints (PROTOCOL.md §2), typed once beside
 * the frames: the server builds them (`src/http/`, `src/history/`,
 * `src/people/`), the SDK (`web/sdk/history.ts`) and the pages
 * (`web/page/`, `web/dashboard/`) read them. An error body is an
 * `ErrorFrame` (`frames.ts`). Types only.
 * @module
 */
import type { PublicationView } from "./publication_frames.ts";
import type { ResponseStatus } from "./types.ts";

/** The database's state as `/readyz` names it. */
export type DatabaseState = "ok" | "down";
/** The broker's state as `/readyz` names it. */
export type BrokerState = "ok" | "down" | "off";

/** `GET /readyz`: always names the database and the broker. */
export interface ReadyBody {
  /** `ready` with a 200, `unavailable` with a 503. */
  readonly status: "ready" | "unavailable";
  /** Whether the database answered. */
  readonly database: DatabaseState;
  /** Whether the broker answered, `off` when none is configured. */
  readonly broker: BrokerState;
  /** Why the server is not ready, when it is not. */
  readonly reason?: string;
}

/** One alive connection of `GET /stats` (`clients`). */
export interface StatsClient {
  /** The connection's id. */
  readonly id: string;
  /** Its role, null before `CL`. */
  readonly role: string | null;
  /** Its user, null before `CL`. */
  readonly user: string | null;
  /** The peer's address. */
  readonly remote_address: string;
  /** When it opened (ISO-8601 UTC). */
  readonly connected_at: string;
  /** When it last sent a frame (ISO-8601 UTC). */
  readonly last_heartbeat: string;
  /** The highest `seq` sent to it. */
  readonly last_seq_sent: number;
}

/** Which process answered `GET /stats`. */
export interface StatsProcess {
  /** Its process id. */
  readonly pid: number;
  /** Its worker index under the supervisor, null when alone. */
  readonly worker: number | null;
}

/**
 * `GET /stats` (admin): the metrics' figures by name (`uptime_seconds` and
 * one entry per metric), the process, its alive clients and, with the
 * dashboard, the cluster's nodes and totals (`src/dashboard/aggregate.ts`).
 */
export interface StatsBody {
  /** Seconds since the process started. */
  readonly uptime_seconds: number;
  /** Which process answered (absent when not configured). */
  readonly process?: StatsProcess;
  /** This process's alive connections. */
  readonly clients: readonly StatsClient[];
  /** The figures of every process (`NodeFigures`), with the dashboard. */
  readonly nodes?: readonly unknown[];
  /** The cluster's totals (`TotalFigures`), with the dashboard. */
  readonly total?: unknown;
  /** Every metric, by name (a histogram's series as `{count, sum}` by labels). */
  readonly [metric: string]: unknown;
}

/** How a listed response was decided. */
export type DecidedStatus = Exclude<ResponseStatus, "pending">;

/** One decided response of `GET /api/history` (v1.1; v1.2 adds the last two fields). */
export interface HistoryItem {
  /** The response's id (`responses.id`). */
  readonly response_id: number;
  /** Where the post lives (`vk`, `telegram`). */
  readonly platform: string;
  /** The URL of the post that was answered. */
  readonly post_url: string;
  /** The post's text as fetched, `null` when it could not be. */
  readonly post_text: string | null;
  /** The post's author as fetched, `null` when unknown. */
  readonly author: string | null;
  /** The reply as decided (the edited text, for an approval with text). */
  readonly response_text: string;
  /** How it was decided. */
  readonly status: DecidedStatus;
  /** The user who decided it, `null` when not recorded. */
  readonly decided_by: string | null;
  /** When it was decided (ISO-8601 UTC). */
  readonly decided_at: string;
  /** The rejection's reason, `null` for approvals and reasonless rejections. */
  readonly reason: string | null;
  /** When the module stored it (ISO-8601 UTC). */
  readonly created_at: string;
  /** (v1.2) The proposed reply when the operator edited it, else `null`. */
  readonly original_text: string | null;
  /** (v1.2) The approval's publication; `null` for a rejection (or an approval made before v1.2). */
  readonly publication: PublicationView | null;
}

/** One page of `GET /api/history`. */
export interface HistoryPage {
  /** The decided responses of this page, newest decision first. */
  readonly items: readonly HistoryItem[];
  /** Pass as `cursor` for the next page; null on the last. */
  readonly next_cursor: string | null;
}

/** One person of `GET /api/admin/people` (v1.2). */
export interface Person {
  /** The user (`sub`). */
  readonly user: string;
  /** The roles of their open connections, sorted (empty when none is open). */
  readonly roles: readonly string[];
  /** Open connections over every process. */
  readonly connections: number;
  /** When the earliest open connection opened (ISO-8601 UTC), null when none is open. */
  readonly since: string | null;
  /** When any of their connections last sent a frame (ISO-8601 UTC), null when none is open. */
  readonly last_seen: string | null;
  /** When their access was last revoked (ISO-8601 UTC), or null. */
  readonly revoked_at: string | null;
}

/** `GET /api/admin/people` (v1.2). */
export interface PeopleBody {
  /** Everyone connected and everyone revoked, by user. */
  readonly people: readonly Person[];
}

/** The request body of `POST /api/admin/revoke` (v1.2). */
export interface RevokeRequest {
  /** The user whose access ends. */
  readonly user: string;
}

/** The answer of `POST /api/admin/revoke` (v1.2). */
export interface RevokeBody {
  /** The user revoked. */
  readonly user: string;
  /** When (ISO-8601 UTC). */
  readonly revoked_at: string;
}
