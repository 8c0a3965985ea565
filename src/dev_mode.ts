/**
 * Development mode (no `AUTH_SECRET`): a secret made for this run, and a loud
 * banner on stdout with an operator link, an admin link to `/dashboard` and a
 * module token (PROTOCOL.md §5). The log gets a warning too, without any token:
 * logs are kept and shipped, the banner is for the person at the terminal.
 * @module
 */
import type { TokenAuthority } from "./auth/jwt.ts";
import type { Logger } from "./logging/logger.ts";

/** How long the banner's tokens last. */
const DEV_TOKEN_SECONDS = 24 * 3600;

/** Where the development server listens, and where to warn. */
export interface DevelopmentBannerOptions {
  /** The listen address (`Config.host`). */
  readonly host: string;
  /** The log that gets the warning (never a token). */
  readonly logger?: Logger;
  /** Where the banner goes; stdout by default. */
  readonly print?: (text: string) => void;
  /** Seconds since the epoch, for the tokens' `exp`; the system clock by default. */
  readonly nowSeconds?: number;
}

/** Whether an address is reachable from this host only. */
function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Prints the development-mode banner to stdout and a warning to the log.
 * @param auth the authority holding this run's secret
 * @param baseUrl the server's base URL
 * @param options the listen address, the logger, where to print
 */
export async function printDevelopmentBanner(
  auth: TokenAuthority,
  baseUrl: string,
  options: DevelopmentBannerOptions = { host: "127.0.0.1" },
): Promise<void> {
  const exp = (options.nowSeconds ?? Math.floor(Date.now() / 1000)) + DEV_TOKEN_SECONDS;
  const operator = await auth.sign({ sub: "dev-operator", role: "operator", exp });
  const admin = await auth.sign({ sub: "dev-admin", role: "admin", exp });
  const module = await auth.sign({ sub: "dev-module", role: "module", exp });
  const loopback = isLoopback(options.host);
  const reach = loopback
    ? `It listens on ${options.host} only (this machine); set WEBSOCKET_HOST to listen elsewhere.`
    : `It listens on ${options.host} because WEBSOCKET_HOST says so: anyone who can reach it ` +
      "and holds a token below is in.";
  const line = "=".repeat(78);
  (options.print ?? console.log)([
    line,
    "DEVELOPMENT MODE — NOT FOR PRODUCTION",
    "AUTH_SECRET is not set. A random secret was made for this run; the tokens below",
    "stop working when the process stops. Set AUTH_SECRET (32+ characters) for production.",
    reach,
    "",
    `Operator page:  ${baseUrl}/#token=${operator}`,
    `Admin dashboard: ${baseUrl}/dashboard#token=${admin}`,
    `Module token:   ${module}`,
    "",
    "Tokens for more people: set AUTH_SECRET (32+ characters, in .env or the environment), then",
    "  deno task token --sub alice --role operator --ttl 8h --link",
    "prints alice's page link (--role admin: the dashboard's; --role module: a module token).",
    line,
  ].join("\n"));
  options.logger?.warn("development mode: AUTH_SECRET is not set; tokens are printed on stdout", {
    host: options.host,
    loopback_only: loopback,
  });
}
