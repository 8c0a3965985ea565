/**
 * The operator page and its assets: `GET /` (with its Content-Security-Policy)
 * and `GET /static/<file>` from `web/static/`. Only names found in a listing
 * of `web/static/` are read (a plain file name of a known type, at most 255
 * bytes), so no request can make the server read outside it, and a miss is
 * answered 404 from memory: it touches no file and leaves nothing behind.
 * That matters beyond our own cache: each failed file operation costs the
 * Deno 2.9 runtime native memory it does not give back (about 5 MB per
 * 100 000 failed `readFile`s in a bare loop, 20 MB in the server). The
 * listing is read again at most every `RELIST_MS` when a name is missing, so
 * a file added while the server runs appears soon. Files that exist are read
 * once and kept, within `MAX_CACHED_FILES` and `MAX_CACHED_BYTES`.
 * @module
 */
import { type Clock, systemClock } from "../clock.ts";

const WEB_DIR = new URL("../../web/", import.meta.url);
/** The longest file name looked up (NAME_MAX on Linux): a longer one is 404, never a read. */
export const MAX_NAME_BYTES = 255;
/** The most files kept in memory; `web/static/` holds a handful. */
export const MAX_CACHED_FILES = 64;
/** The most bytes kept in memory; a file past it is read each time. */
export const MAX_CACHED_BYTES = 32 * 1024 * 1024;
/** The most names taken from the listing of `web/static/`. */
export const MAX_LISTED_FILES = 1000;
/** The least time between two listings of `web/static/`, ms. */
export const RELIST_MS = 2000;
/** A plain file name with an extension: no separator, no `%`, no NUL, no leading dot. */
const PLAIN_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*\.([a-z0-9]+)$/;
const TYPES: Readonly<Record<string, string>> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  map: "application/json; charset=utf-8",
};

/**
 * The page's Content-Security-Policy: scripts from self only, WebSocket to
 * this host, nothing framed, no plugins, no base rewriting.
 * @param host the request's `Host`
 * @returns the header value
 */
export function pageCsp(host: string): string {
  const safeHost = /^[A-Za-z0-9.\-:\[\]]+$/.test(host) ? host : "";
  const ws = safeHost ? ` ws://${safeHost} wss://${safeHost}` : "";
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${ws}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join("; ");
}

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

/** Where the files are and the clock for re-listing. */
export interface StaticFilesOptions {
  /** The directory holding `index.html` and `static/` (this checkout's `web/` by default). */
  readonly webDir?: URL;
  /** Time, for how long a listing of `web/static` is reused; default: the system clock. */
  readonly clock?: Clock;
}

/** Serves the page and its static files. */
export class StaticFiles {
  readonly #webDir: URL;
  readonly #clock: Clock;
  /** Files that exist, by path under `web/`; never a miss. */
  readonly #cache = new Map<string, Uint8Array<ArrayBuffer>>();
  #cachedBytes = 0;
  /** The names in `static/` at the last listing, and when it was made. */
  #listing: { readonly names: ReadonlySet<string>; readonly at: number } | null = null;
  #listingUnderWay: Promise<ReadonlySet<string>> | null = null;

  /**
   * Creates the file server over `web/`.
   * @param options the directory and the clock (both have defaults)
   */
  constructor(options: StaticFilesOptions = {}) {
    const dir = options.webDir ?? WEB_DIR;
    this.#webDir = dir.href.endsWith("/") ? dir : new URL(`${dir.href}/`);
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * `GET /`.
   * @param host the request's `Host`
   * @returns the page, or 500 when it is missing
   */
  async page(host: string): Promise<Response> {
    const body = await this.#read("index.html");
    if (!body) return new Response("operator page missing\n", { status: 500 });
    return new Response(body, {
      headers: {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": pageCsp(host),
        ...SECURITY_HEADERS,
      },
    });
  }

  /**
   * Another page of `web/` (e.g. `dashboard.html`), with the same CSP as `/`.
   * @param file the file name in `web/`
   * @param host the request's `Host`
   * @returns the page, or 500 when it is missing
   */
  async document(file: string, host: string): Promise<Response> {
    const body = await this.#read(file);
    if (!body) return new Response(`${file} missing\n`, { status: 500 });
    return new Response(body, {
      headers: {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": pageCsp(host),
        ...SECURITY_HEADERS,
      },
    });
  }

  /**
   * `GET /static/<name>`: only plain file names with a known type.
   * @param name the file name as it appears in the path (still percent-encoded)
   * @returns the file, or 404
   */
  async asset(name: string): Promise<Response> {
    const ext = name.length <= MAX_NAME_BYTES ? PLAIN_NAME.exec(name)?.[1] : undefined;
    const type = ext && Object.hasOwn(TYPES, ext) ? TYPES[ext] : undefined;
    if (type === undefined || !(await this.#listed(name))) {
      return new Response("not found\n", { status: 404 });
    }
    const body = await this.#read(`static/${name}`);
    if (!body) return new Response("not found\n", { status: 404 });
    return new Response(body, { headers: { "content-type": type, ...SECURITY_HEADERS } });
  }

  /** How many files and bytes are kept in memory (for tests and figures). */
  get cached(): { readonly files: number; readonly bytes: number } {
    return { files: this.#cache.size, bytes: this.#cachedBytes };
  }

  /** Whether `static/<name>` was there at the last listing, listing again if that is old. */
  async #listed(name: string): Promise<boolean> {
    const listing = this.#listing;
    if (listing?.names.has(name)) return true;
    if (listing !== null && this.#clock.now() - listing.at < RELIST_MS) return false;
    this.#listingUnderWay ??= this.#list().finally(() => this.#listingUnderWay = null);
    return (await this.#listingUnderWay).has(name);
  }

  async #list(): Promise<ReadonlySet<string>> {
    const names = new Set<string>();
    try {
      for await (const entry of Deno.readDir(new URL("static/", this.#webDir))) {
        if (names.size >= MAX_LISTED_FILES) break;
        if (entry.isFile && entry.name.length <= MAX_NAME_BYTES && PLAIN_NAME.test(entry.name)) {
          names.add(entry.name);
        }
      }
    } catch {
      // No static directory: every asset is 404 until one appears.
    }
    this.#listing = { names, at: this.#clock.now() };
    return names;
  }

  async #read(path: string): Promise<Uint8Array<ArrayBuffer> | null> {
    const hit = this.#cache.get(path);
    if (hit) return hit;
    const url = new URL(path, this.#webDir);
    // Defence in depth: the name checks above already keep every path inside web/.
    if (!url.href.startsWith(this.#webDir.href)) return null;
    let body: Uint8Array<ArrayBuffer>;
    try {
      body = await Deno.readFile(url) as Uint8Array<ArrayBuffer>;
    } catch {
      // Missing, a directory, unreadable: the client learns 404 and nothing is kept.
      return null;
    }
    if (
      this.#cache.size < MAX_CACHED_FILES && this.#cachedBytes + body.byteLength <= MAX_CACHED_BYTES
    ) {
      this.#cache.set(path, body);
      this.#cachedBytes += body.byteLength;
    }
    return body;
  }
}
