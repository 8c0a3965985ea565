/**
 * `deno task token`: mints a token from the configured `AUTH_SECRET` and
 * prints it (or, with `--link`, the page URL carrying it). Every refusal
 * prints one line on stderr and exits 2. The rules are in `mint.ts`; this
 * is the shell: configuration in (src/config.ts's reader: `.env`, then the
 * environment), text out. It needs `--allow-env` and `--allow-read=.env`.
 * @module
 */
import { TokenAuthority } from "../auth/jwt.ts";
import { ConfigError, loadConfig } from "../config.ts";
import {
  mintClaims,
  MintRefusal,
  pageLink,
  parseMintArgs,
  USAGE,
  USAGE_EXIT_CODE,
} from "./mint.ts";

/**
 * Runs the command.
 * @param args the command's arguments
 * @param nowMs the current time, ms since the epoch
 * @returns the exit code and what to print on stdout or stderr
 */
export async function runMint(
  args: readonly string[],
  nowMs: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const req = parseMintArgs(args);
    if (req.help) return { code: 0, stdout: USAGE, stderr: "" };
    const config = loadConfig();
    const claims = mintClaims(req, config, nowMs);
    const token = await new TokenAuthority(config.authSecret).sign(claims);
    const out = req.link === null ? token : pageLink(token, req.role, req.link, config);
    return { code: 0, stdout: out, stderr: "" };
  } catch (e) {
    if (e instanceof MintRefusal || e instanceof ConfigError) {
      return { code: USAGE_EXIT_CODE, stdout: "", stderr: `token: ${e.message}` };
    }
    throw e;
  }
}

if (import.meta.main) {
  const { code, stdout, stderr } = await runMint(Deno.args, Date.now());
  if (stdout) console.log(stdout);
  if (stderr) console.error(stderr);
  Deno.exit(code);
}
