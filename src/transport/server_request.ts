/**
 * `ServerRequest`: the `Request` the HTTP layer hands its handler. Its
 * method and URL are its own, and its `Headers` are made from the parsed
 * fields when first read (a route such as `/healthz` reads none); every other
 * member (the body and its readers, `signal`, `clone()`, the fetch-only
 * fields) is the one of a fetch-API `Request` with the same method, URL,
 * fields and body, built the first time one of them is used.
 *
 * Why not a `Request` for every request (issue 18, item 4): Deno's
 * `new Request(url)` makes an object literal with getters and setters for its
 * inner request, and V8 allocates each literal's accessor pairs in the old
 * generation. Those keep the getters' closures and their context (the URL
 * string among them) alive through every scavenge until the next full GC, so
 * about 400 bytes of each request outlived the young generation; under a
 * burst of keep-alive requests that was ~1 MB surviving every scavenge, which
 * V8 answers by growing the young generation to its maximum (RSS +89 MB
 * against `Deno.serve`'s +8 MB). A `URL` and a `Headers` leave nothing behind.
 *
 * It is not `instanceof Request`: where a genuine one is needed (`fetch`,
 * `new Request(req, init)`), `req.clone()` is one.
 * @module
 */

/** Header fields as parsed: names lowercased, in the order sent. */
export type HeaderFields = ReadonlyArray<readonly [string, string]>;

/** A request as the handler sees it: method, URL and fields at hand, the rest from a `Request` made on first use. */
export class ServerRequest implements Request {
  /** The request method (as `Request` normalises it). */
  readonly method: string;
  /** The absolute URL, serialised as `Request.url` would be. */
  readonly url: string;
  readonly #fields: HeaderFields;
  #headers: Headers | null = null;
  readonly #body: Uint8Array<ArrayBuffer> | null;
  #request: Request | null = null;

  /**
   * A request of these parts (the caller has checked them).
   * @param method the method
   * @param url the absolute URL, already serialised (`URL.href`)
   * @param fields the header fields (kept, not copied)
   * @param body the body (null: none, as for GET and HEAD)
   */
  constructor(method: string, url: string, fields: HeaderFields, body: Uint8Array | null) {
    this.method = method;
    this.url = url;
    this.#fields = fields;
    this.#body = body as Uint8Array<ArrayBuffer> | null;
  }

  /** The header fields, in the order sent (one `Headers`, made when first read). */
  get headers(): Headers {
    if (this.#headers === null) {
      // Appended one by one: handing the list to the constructor converts it into
      // new arrays first (measured, issue 18 item 4: 4.0 KB allocated per request
      // with one field that way, 2.9 KB appended; eight fields 8.8 KB against 4.0 KB).
      const headers = new Headers();
      for (let i = 0; i < this.#fields.length; i++) {
        const field = this.#fields[i]!;
        headers.append(field[0], field[1]);
      }
      this.#headers = headers;
    }
    return this.#headers;
  }

  /** The fetch-API `Request` behind every other member, made once (with the fields as they are then). */
  #fetchRequest(): Request {
    if (this.#request === null) {
      this.#request = new Request(
        this.url,
        this.#body === null
          ? { method: this.method, headers: this.headers }
          : { method: this.method, headers: this.headers, body: this.#body },
      );
    }
    return this.#request;
  }

  /** The body as a stream (null when there is none, without making the `Request`). */
  get body(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
    return this.#body === null ? null : this.#fetchRequest().body;
  }

  /** Whether the body has been read. */
  get bodyUsed(): boolean {
    return this.#request?.bodyUsed ?? false;
  }

  /**
   * Reads the body (once), as `Request.arrayBuffer()`.
   * @returns its bytes as an `ArrayBuffer`
   */
  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#fetchRequest().arrayBuffer();
  }

  /**
   * Reads the body (once), as `Request.blob()`.
   * @returns it as a `Blob`
   */
  blob(): Promise<Blob> {
    return this.#fetchRequest().blob();
  }

  /**
   * Reads the body (once), as `Request.bytes()`.
   * @returns its bytes
   */
  bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return this.#fetchRequest().bytes();
  }

  /**
   * Reads the body (once), as `Request.formData()`.
   * @returns it as form data
   */
  formData(): Promise<FormData> {
    return this.#fetchRequest().formData();
  }

  /**
   * Reads the body (once), as `Request.json()`.
   * @returns it parsed as JSON
   */
  // deno-lint-ignore no-explicit-any
  json(): Promise<any> {
    return this.#fetchRequest().json();
  }

  /**
   * Reads the body (once), as `Request.text()`.
   * @returns it as text (UTF-8)
   */
  text(): Promise<string> {
    return this.#fetchRequest().text();
  }

  /**
   * Reads the body (once), as `Request.textStream()`.
   * @returns it as a stream of text
   */
  textStream(): ReadableStream<string> {
    return this.#fetchRequest().textStream();
  }

  /**
   * Copies the request, as `Request.clone()` (the body tee'd).
   * @returns a genuine `Request` of the same method, URL, fields and body
   */
  clone(): Request {
    return this.#fetchRequest().clone();
  }

  /** Never aborted (a client going away does not abort its request), as before. */
  get signal(): AbortSignal {
    return this.#fetchRequest().signal;
  }

  /** As `Request.cache`. */
  get cache(): RequestCache {
    return this.#fetchRequest().cache;
  }

  /** As `Request.credentials`. */
  get credentials(): RequestCredentials {
    return this.#fetchRequest().credentials;
  }

  /** As `Request.destination`. */
  get destination(): RequestDestination {
    return this.#fetchRequest().destination;
  }

  /** As `Request.integrity`. */
  get integrity(): string {
    return this.#fetchRequest().integrity;
  }

  /** As `Request.isHistoryNavigation`. */
  get isHistoryNavigation(): boolean {
    return this.#fetchRequest().isHistoryNavigation;
  }

  /** As `Request.isReloadNavigation`. */
  get isReloadNavigation(): boolean {
    return this.#fetchRequest().isReloadNavigation;
  }

  /** As `Request.keepalive`. */
  get keepalive(): boolean {
    return this.#fetchRequest().keepalive;
  }

  /** As `Request.mode`. */
  get mode(): RequestMode {
    return this.#fetchRequest().mode;
  }

  /** As `Request.redirect`. */
  get redirect(): RequestRedirect {
    return this.#fetchRequest().redirect;
  }

  /** As `Request.referrer`. */
  get referrer(): string {
    return this.#fetchRequest().referrer;
  }

  /** As `Request.referrerPolicy`. */
  get referrerPolicy(): ReferrerPolicy {
    return this.#fetchRequest().referrerPolicy;
  }
}
