/**
 * The HTTP routes of the one port (PROTOCOL.md §2): `/ws`, `/`, `/static/*`,
 * `/healthz`, `/readyz`, `/metrics`, `/stats`, `POST /api/sr`, and the
 * dashboard's `/dashboard` and `/api/dashboard` (src/dashboard/routes.ts).
 * @module
 */
import type { TokenVerifier } from "../auth/jwt.ts";
import type { Clock } from "../clock.ts";
import type { CommandDeps } from "../commands/context.ts";
import { errorFrame } from "../commands/errors.ts";
import { submitResponse } from "../commands/handlers.ts";
import type { WebSocketManager } from "../connection/manager.ts";
import type { RateLimiter } from "../connection/rate_limit.ts";
import { type UpgradeOptions, upgradeToWebSocket } from "../connection/ws_admission.ts";
import { type DashboardDeps, dashboardRoute } from "../dashboard/routes.ts";
import type { Logger } from "../logging/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { HTTP_STATUS_OF } from "../protocol/codes.ts";
import type { ErrorFrame } from "../protocol/frames.ts";
import type { StatsBody, StatsProcess } from "../protocol/http_bodies.ts";
import { DecodeError, decodeSubmitBody } from "../protocol/decode.ts";
import type { ResponseId } from "../protocol/types.ts";
import { requireRole, requireSecret } from "./bearer.ts";
import { type Readiness, readyBody } from "./readiness.ts";
import { historyRoute } from "../history/route.ts";
import { adminRoute, type AdminRouteDeps } from "../people/admin_routes.ts";
import type { HistoryLimiter } from "../history/limiter.ts";
import type { StaticFiles } from "./static.ts";

/** What the routes need. */
export interface RouteDeps {
  /** Origins, limits and the handler of `GET /ws` upgrades. */
  readonly upgrade: UpgradeOptions;
  /** The registry of connections, for `/stats`. */
  readonly manager: WebSocketManager;
  /** Answers `/readyz`, and gates protocol traffic on the database. */
  readonly readiness: Readiness;
  /** Serves `/metrics`. */
  readonly metrics: Metrics;
  /** Serves `/` and `/static/*`. */
  readonly files: StaticFiles;
  /** Verifies the bearer tokens of `POST /api/sr`, `/stats`, `/api/*` (the access gate). */
  readonly auth: TokenVerifier;
  /** What `POST /api/sr` runs, as the WebSocket `SR` does. */
  readonly commands: CommandDeps;
  /** Limits `POST /api/sr` per client address. */
  readonly apiLimiter: RateLimiter;
  /** Time, for token expiry and rate limits. */
  readonly clock: Clock;
  /** Where refused and failed requests are reported. */
  readonly logger: Logger;
  /** The largest `POST /api/sr` body accepted (bytes). */
  readonly maxMessageBytes: number;
  /** `METRICS_TOKEN`: when set, `/metrics` needs it as a bearer token. */
  readonly metricsToken?: string;
  /** Which process answers (`/stats` `process`): its pid and, under a supervisor, its worker index. */
  readonly process?: StatsProcess;
  /** The dashboard's routes and the cluster view of `/stats` (absent: neither). */
  readonly dashboard?: DashboardDeps;
  /** (v1.2) `GET /api/admin/people`, `POST /api/admin/revoke` (absent: 404). */
  readonly admin?: AdminRouteDeps;
  /** (issue 13) Per-user and process-wide limits on `GET /api/history`. */
  readonly historyLimiter?: HistoryLimiter;
  /** (issue 13) Limits every `/api/*` request per client address (429 beyond). */
  readonly apiAddressLimiter?: RateLimiter;
}

/** The longest request path served; a longer one is 414 (no route is near it). */
export const MAX_PATH_BYTES = 2048;
/** How much of a path a log line quotes. */
const LOGGED_PATH_CHARS = 120;

/**
 * A path cut short for a log line, so a hostile path cannot fill the log.
 * @param path the request path
 * @returns at most `LOGGED_PATH_CHARS` characters and its length
 */
export function pathForLog(path: string): string {
  return path.length <= LOGGED_PATH_CHARS
    ? path
    : `${path.slice(0, LOGGED_PATH_CHARS)}… (${path.length} chars)`;
}

const JSON_TYPE = { "content-type": "application/json; charset=utf-8" };

/**
 * Makes the request handler for `Deno.serve`.
 * @param d the dependencies
 * @returns the handler
 */
export function createHandler(
  d: RouteDeps,
): (
  req: Request,
  info: { readonly remoteAddr: { readonly hostname: string } },
) => Promise<Response> {
  return async (req, info) => {
    const url = new URL(req.url);
    const remote = info.remoteAddr.hostname;
    const route = routeName(url.pathname);
    let res: Response;
    try {
      res = url.pathname.length > MAX_PATH_BYTES
        ? new Response("URI too long\n", { status: 414 })
        : await dispatch(req, url, remote, d);
    } catch (e) {
      d.logger.error("request failed", { path: pathForLog(url.pathname), error: e });
      res = json({ error: "internal" }, 500);
    }
    d.metrics.increment("ws_http_requests_total", { route, status: String(res.status) });
    return res;
  };
}

function routeName(path: string): string {
  if (path.startsWith("/static/")) return "/static";
  return [
      "/",
      "/ws",
      "/healthz",
      "/readyz",
      "/metrics",
      "/stats",
      "/api/sr",
      "/api/history",
      "/api/admin/people",
      "/api/admin/revoke",
      "/dashboard",
      "/api/dashboard",
    ].includes(path)
    ? path
    : "other";
}

async function dispatch(req: Request, url: URL, remote: string, d: RouteDeps): Promise<Response> {
  const path = url.pathname;
  const method = req.method;
  if (path.startsWith("/api/") && d.apiAddressLimiter?.take(remote, d.clock.now()) === false) {
    const res = problem(errorFrame(undefined, "rate_limited", "too many requests; slow down"));
    res.headers.set("retry-after", "1");
    return res;
  }
  if (path === "/api/sr") {
    return method === "POST" ? await apiSubmit(req, d) : notAllowed("POST");
  }
  const admin = d.admin ? await adminRoute(req, path, d.admin) : null;
  if (admin) return admin;
  if (method !== "GET" && method !== "HEAD") return notAllowed("GET, HEAD");
  switch (path) {
    case "/ws":
      return upgradeToWebSocket(req, remote, d.upgrade);
    case "/":
    case "/index.html":
      return await d.files.page(req.headers.get("host") ?? url.host);
    case "/healthz":
      return new Response("ok\n", { headers: { "content-type": "text/plain" } });
    case "/readyz": {
      const state = await d.readiness.check();
      return json(readyBody(state), state.ready ? 200 : 503);
    }
    case "/metrics": {
      const refused = await requireSecret(req, d.metricsToken ?? "");
      if (refused) return refused;
      return new Response(await d.metrics.exposition(), {
        headers: { "content-type": d.metrics.contentType },
      });
    }
    case "/api/history":
      return await historyRoute(req, url, {
        auth: d.auth,
        store: d.commands.store,
        clock: d.clock,
        logger: d.logger,
        ...(d.historyLimiter ? { limiter: d.historyLimiter } : {}),
      });
    case "/stats": {
      const access = await requireRole(req, ["admin"], d.auth, d.clock.now());
      if (!access.ok) return access.response;
      const cluster = await d.dashboard?.reporter.cluster();
      const body: StatsBody = {
        ...(await d.metrics.getStats()),
        ...(d.process ? { process: d.process } : {}),
        clients: d.manager.describeAliveClients(),
        ...(cluster ? { nodes: cluster.nodes, total: cluster.total } : {}),
      };
      return json(body, 200);
    }
    default: {
      const dashboard = d.dashboard ? await dashboardRoute(req, path, d.dashboard) : null;
      if (dashboard) return dashboard;
      if (path.startsWith("/static/")) return await d.files.asset(path.slice("/static/".length));
      return new Response("not found\n", { status: 404 });
    }
  }
}

async function apiSubmit(req: Request, d: RouteDeps): Promise<Response> {
  const access = await requireRole(req, ["module"], d.auth, d.clock.now());
  if (!access.ok) return access.response;
  const identity = access.identity;
  if (!d.apiLimiter.take(identity.sub, d.clock.now())) {
    return problem(errorFrame(undefined, "rate_limited", "too many requests; slow down"));
  }
  const text = await readBody(req, d.maxMessageBytes);
  if (text === null) {
    return problem(errorFrame(undefined, "too_large", `body over ${d.maxMessageBytes} bytes`));
  }
  let responseId: ResponseId;
  try {
    responseId = decodeSubmitBody(text);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return problem(errorFrame(undefined, e.code, e.message));
  }
  const frame = await submitResponse(identity, responseId, undefined, d.commands);
  return frame.type === "ACK" ? json(frame, 200) : problem(frame);
}

async function readBody(req: Request, max: number): Promise<string | null> {
  if (!req.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req.body) {
    size += chunk.length;
    if (size > max) return null;
    chunks.push(chunk);
  }
  const all = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.length;
  }
  return new TextDecoder().decode(all);
}

function problem(frame: ErrorFrame): Response {
  return json(frame, HTTP_STATUS_OF[frame.code]);
}

function json(body: unknown, status: number): Response {
  return new Response(JSON.stringify(body), { status, headers: JSON_TYPE });
}

function notAllowed(allow: string): Response {
  return new Response("method not allowed\n", { status: 405, headers: { allow } });
}
