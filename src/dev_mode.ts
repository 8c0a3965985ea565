/**
 * Development mode (no `AUTH_SECRET`): a secret made for this run, and a loud
 * banner with an operator link, a dashboard link and a module token.
 * @module
 */
import type { TokenAuthority } from "./auth/jwt.ts";

/**
 * Prints the development-mode banner to stdout.
 * @param auth the authority holding this run's secret
 * @param baseUrl the server's base URL
 */
export async function printDevelopmentBanner(auth: TokenAuthority, baseUrl: string): Promise<void> {
  const exp = Math.floor(Date.now() / 1000) + 24 * 3600;
  const operator = await auth.sign({ sub: "dev-operator", role: "operator", exp });
  const module = await auth.sign({ sub: "dev-module", role: "module", exp });
  const admin = await auth.sign({ sub: "dev-admin", role: "admin", exp });
  const line = "=".repeat(78);
  console.log([
    line,
    "DEVELOPMENT MODE: AUTH_SECRET is not set. A random secret was made for this run;",
    "tokens below stop working when the process stops. Set AUTH_SECRET for production.",
    "",
    `Operator page:  ${baseUrl}/#token=${operator}`,
    `Dashboard:      ${baseUrl}/dashboard#token=${admin}`,
    `Module token:   ${module}`,
    line,
  ].join("\n"));
}
