/**
 * The operator page and its assets: `GET /` (with its Content-Security-Policy)
 * and `GET /static/<file>` from `web/static/`. Files are read once and kept.
 * @module
 */

const WEB_DIR = new URL("../../web/", import.meta.url);
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

/** Serves the page and its static files. */
export class StaticFiles {
  readonly #cache = new Map<string, Uint8Array<ArrayBuffer> | null>();

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
   * @param name the file name
   * @returns the file, or 404
   */
  async asset(name: string): Promise<Response> {
    const ext = /^[A-Za-z0-9_.-]+\.([a-z0-9]+)$/.exec(name)?.[1];
    if (!ext || name.startsWith(".") || !(ext in TYPES)) {
      return new Response("not found\n", { status: 404 });
    }
    const body = await this.#read(`static/${name}`);
    if (!body) return new Response("not found\n", { status: 404 });
    return new Response(body, { headers: { "content-type": TYPES[ext], ...SECURITY_HEADERS } });
  }

  async #read(path: string): Promise<Uint8Array<ArrayBuffer> | null> {
    if (this.#cache.has(path)) return this.#cache.get(path)!;
    let body: Uint8Array<ArrayBuffer> | null = null;
    try {
      body = await Deno.readFile(new URL(path, WEB_DIR)) as Uint8Array<ArrayBuffer>;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    this.#cache.set(path, body);
    return body;
  }
}
