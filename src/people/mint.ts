/**
 * What `deno task token` does, as pure functions (PROTOCOL.md §5 "People"):
 * read its arguments, refuse what the server would refuse (development
 * mode, a role outside the three, a `sub` empty or over 255 characters, a
 * TTL that is malformed or past `MAX_TOKEN_TTL_HOURS`), build the claims —
 * `iat` and a random `jti` always, `iss`/`aud` when configured — and the
 * link to the page (the dashboard's for an admin). `mint_cli.ts` is the
 * thin shell that reads the configuration and prints.
 * @module
 */
import type { Config } from "../config.ts";
import { type Role, ROLES } from "../protocol/types.ts";

/** The exit code of every refusal. */
export const USAGE_EXIT_CODE = 2;

/** The usage text. */
export const USAGE = `Mints a token from AUTH_SECRET (.env or the environment).

  deno task token --sub <user> --role operator|admin|module [--ttl 8h] [--link [base URL]]

  --sub    the user (or module) name, 1–255 characters
  --role   operator, admin or module
  --ttl    lifetime: <n>m, <n>h or <n>d (default 8h), at most MAX_TOKEN_TTL_HOURS
  --link   print the page URL with the token in its fragment instead of the token
           (the dashboard's for an admin); the base URL defaults to the server's
           own from WEBSOCKET_HOST, WEBSOCKET_PORT and SSL_*`;

/** A refusal: the message to print, with exit code 2. */
export class MintRefusal extends Error {
  /**
   * Creates a refusal.
   * @param message what is wrong, for people
   */
  constructor(message: string) {
    super(message);
    this.name = "MintRefusal";
  }
}

/** What the command was asked for. */
export interface MintRequest {
  /** The user (`sub`). */
  readonly sub: string;
  /** The role. */
  readonly role: Role;
  /** Lifetime in seconds. */
  readonly ttlSeconds: number;
  /** Print a link instead of the token: `""` for the default base, else the base URL; null: no link. */
  readonly link: string | null;
  /** `--help`: print the usage. */
  readonly help: boolean;
}

/** The longest `sub`. */
export const MAX_SUB_LENGTH = 255;

const TTL_UNITS: Readonly<Record<string, number>> = { m: 60, h: 3600, d: 86400 };

/**
 * Parses a TTL: `90m`, `8h`, `30d`.
 * @param text the argument
 * @returns seconds
 * @throws {MintRefusal} when it is not a positive whole number of minutes, hours or days
 */
export function parseTtl(text: string): number {
  const m = /^(\d{1,7})([mhd])$/.exec(text.trim());
  if (!m || Number(m[1]) === 0) {
    throw new MintRefusal(`--ttl '${text}' is not a lifetime like 90m, 8h or 30d`);
  }
  return Number(m[1]) * TTL_UNITS[m[2]!]!;
}

/**
 * Reads the command's arguments (`--name value` or `--name=value`).
 * @param args the arguments after the command
 * @returns the request
 * @throws {MintRefusal} on an unknown option, a missing value, a bad role, sub or TTL
 */
export function parseMintArgs(args: readonly string[]): MintRequest {
  let sub: string | null = null, role: string | null = null, ttl = "8h";
  let link: string | null = null, help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith("--") && eq > 0 ? arg.slice(eq + 1) : null;
    const value = (): string => {
      if (inline !== null) return inline;
      const next = args[i + 1];
      if (next === undefined || next.startsWith("--")) {
        throw new MintRefusal(`${name} needs a value`);
      }
      i++;
      return next;
    };
    switch (name) {
      case "--sub":
        sub = value();
        break;
      case "--role":
        role = value();
        break;
      case "--ttl":
        ttl = value();
        break;
      case "--link": {
        const next = args[i + 1];
        if (inline !== null) link = inline;
        else if (next !== undefined && !next.startsWith("--")) link = args[++i]!;
        else link = "";
        break;
      }
      case "--help":
      case "-h":
        help = true;
        break;
      default:
        throw new MintRefusal(`unknown argument '${arg}'`);
    }
  }
  if (help) return { sub: "", role: "operator", ttlSeconds: 0, link: null, help };
  if (sub === null) throw new MintRefusal("--sub <user> is required");
  if (sub.length === 0 || sub.length > MAX_SUB_LENGTH) {
    throw new MintRefusal(`--sub must be 1–${MAX_SUB_LENGTH} characters (got ${sub.length})`);
  }
  if (role === null) throw new MintRefusal("--role operator|admin|module is required");
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new MintRefusal(`--role '${role}' is not one of ${ROLES.join(", ")}`);
  }
  if (link !== null && role === "module") {
    throw new MintRefusal("--link is for operator and admin tokens (a module takes the token)");
  }
  return { sub, role: role as Role, ttlSeconds: parseTtl(ttl), link, help };
}

/** The configuration the command reads. */
export type MintConfig = Pick<
  Config,
  "authSecret" | "authIssuer" | "authAudience" | "maxTokenTtlHours" | "host" | "port" | "tls"
>;

/**
 * The claims of a token, after the checks that need the configuration.
 * @param req the request
 * @param config the secret, the policy
 * @param nowMs the current time, ms since the epoch
 * @param randomId makes the `jti`
 * @returns the claims to sign
 * @throws {MintRefusal} in development mode (no `AUTH_SECRET`) or for a TTL past the limit
 */
export function mintClaims(
  req: MintRequest,
  config: MintConfig,
  nowMs: number,
  randomId: () => string = () => crypto.randomUUID(),
): { sub: string; role: Role; exp: number; iat: number; jti: string; iss?: string; aud?: string } {
  if (config.authSecret === "") {
    throw new MintRefusal(
      "AUTH_SECRET is not set (development mode): the server makes a secret for each run and " +
        "prints its own links. Set AUTH_SECRET (32+ characters) in .env or the environment.",
    );
  }
  if (req.ttlSeconds > config.maxTokenTtlHours * 3600) {
    throw new MintRefusal(
      `--ttl of ${
        req.ttlSeconds / 3600
      } h is past MAX_TOKEN_TTL_HOURS (${config.maxTokenTtlHours} h)`,
    );
  }
  const iat = Math.floor(nowMs / 1000);
  return {
    sub: req.sub,
    role: req.role,
    iat,
    exp: iat + req.ttlSeconds,
    jti: randomId(),
    ...(config.authIssuer === "" ? {} : { iss: config.authIssuer }),
    ...(config.authAudience === "" ? {} : { aud: config.authAudience }),
  };
}

/**
 * The page link of a token: `<base>/#token=…`, or `<base>/dashboard#token=…` for an admin.
 * @param token the token
 * @param role its role (operator or admin)
 * @param base the base URL, or `""` for the server's own from the configuration
 * @param config `WEBSOCKET_HOST`, `WEBSOCKET_PORT`, TLS
 * @returns the URL
 * @throws {MintRefusal} when the base is not an http(s) URL
 */
export function pageLink(
  token: string,
  role: Role,
  base: string,
  config: Pick<Config, "host" | "port" | "tls">,
): string {
  let root = base === "" ? defaultBase(config) : base;
  try {
    const url = new URL(root);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error();
  } catch {
    throw new MintRefusal(`--link '${base}' is not an http(s) URL`);
  }
  root = root.replace(/\/+$/, "");
  return `${root}/${role === "admin" ? "dashboard" : ""}#token=${token}`;
}

/**
 * The server's own base URL as its configuration makes it (a wildcard host shows as `localhost`).
 * @param config host, port, TLS
 * @returns e.g. `https://hub.example:8765`
 */
export function defaultBase(config: Pick<Config, "host" | "port" | "tls">): string {
  const wildcard = config.host === "0.0.0.0" || config.host === "::" || config.host === "";
  const host = wildcard
    ? "localhost"
    : config.host.includes(":")
    ? `[${config.host}]`
    : config.host;
  return `${config.tls ? "https" : "http"}://${host}:${config.port}`;
}
