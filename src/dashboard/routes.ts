/**
 * The dashboard's two routes: `GET /dashboard` (the page; its token stays in
 * the fragment, so the page itself is public like `/`) and
 * `GET /api/dashboard` (the cluster view as JSON, for `admin` tokens only:
 * `401` without a valid token, `403` for another role). Also the admin check
 * `/stats` shares.
 * @module
 */
import type { TokenVerifier } from "../auth/jwt.ts";
import type { Clock } from "../clock.ts";
import { requireRole } from "../http/bearer.ts";
import type { NodeReporter } from "./reporter.ts";

/** What the dashboard routes need. */
export interface DashboardDeps {
  /** Publishes and reads the cluster's figures. */
  readonly reporter: NodeReporter;
  /** Verifies the admin token of `/api/dashboard` (the access gate). */
  readonly auth: TokenVerifier;
  /** Time, for token expiry. */
  readonly clock: Clock;
  /** Serves `web/dashboard.html` with the page's CSP. */
  readonly page: (host: string) => Promise<Response>;
}

const JSON_HEADERS = {
  "content-type": "application/json; charset=utf-8",
  "cache-control": "no-store",
};

/**
 * Checks that a request carries an `admin` token (through `requireRole`, the one check).
 * @param req the request
 * @param auth verifies tokens
 * @param now the current time (ms)
 * @returns null when it does, else the `401`/`403` response to send
 */
export async function refuseUnlessAdmin(
  req: Request,
  auth: TokenVerifier,
  now: number,
): Promise<Response | null> {
  const access = await requireRole(req, ["admin"], auth, now);
  return access.ok ? null : access.response;
}

/**
 * Answers the dashboard's routes.
 * @param req the request (GET or HEAD)
 * @param path its path
 * @param d the dependencies
 * @returns the response, or null for a path that is not the dashboard's
 */
export async function dashboardRoute(
  req: Request,
  path: string,
  d: DashboardDeps,
): Promise<Response | null> {
  switch (path) {
    case "/dashboard":
      return await d.page(req.headers.get("host") ?? new URL(req.url).host);
    case "/api/dashboard": {
      const refused = await refuseUnlessAdmin(req, d.auth, d.clock.now());
      if (refused) return refused;
      return new Response(JSON.stringify(await d.reporter.cluster()), { headers: JSON_HEADERS });
    }
    default:
      return null;
  }
}
