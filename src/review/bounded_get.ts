/**
 * One bounded HTTP GET for post fetching: a timeout per request, one retry on
 * 429/5xx and network errors after a short backoff (a small `Retry-After` is
 * honoured), and a cap on the body so a huge or endless answer cannot eat
 * memory. Redirects are followed by hand, at most `maxRedirects` and only on
 * the same host (a scheme upgrade to https allowed): a platform endpoint that
 * answers 302 to another host never makes the hub fetch from it (issue 7 row
 * 14) — the VK request carries the API token in its query. Failures come back
 * as values; nothing here throws for the remote.
 * @module
 */

/** What a bounded GET needs. */
export interface BoundedGetOptions {
  /** The fetch to use (the global one in production, a spy in some tests). */
  readonly fetch: typeof fetch;
  /** Per-request timeout (headers and body), ms. */
  readonly timeoutMs: number;
  /** Largest body read, in bytes. */
  readonly maxBodyBytes: number;
  /** Waits before the retry (injected so tests need not sleep). */
  readonly sleep: (ms: number) => Promise<void>;
  /** Request headers. */
  readonly headers?: HeadersInit;
  /** Backoff before the retry when the server gives no `Retry-After`, ms. */
  readonly retryDelayMs?: number;
  /** The longest `Retry-After` waited for; a longer one ends with `http_error`. */
  readonly maxRetryAfterMs?: number;
  /** Same-host redirects followed per attempt; `DEFAULT_MAX_REDIRECTS` by default. */
  readonly maxRedirects?: number;
}

/** What a bounded GET came to. */
export type BoundedGetOutcome =
  | { readonly kind: "ok"; readonly status: number; readonly body: string }
  | { readonly kind: "http_error"; readonly status: number }
  | { readonly kind: "timeout" }
  | { readonly kind: "network"; readonly detail: string }
  | { readonly kind: "too_large"; readonly limit: number }
  | { readonly kind: "redirect_refused"; readonly status: number; readonly detail: string };

/** One attempt: final, or worth one retry after `delayMs`. */
type Attempt =
  | { readonly retry: false; readonly outcome: BoundedGetOutcome }
  | { readonly retry: true; readonly outcome: BoundedGetOutcome; readonly delayMs: number | null };

/** Default backoff before the retry, ms. */
export const DEFAULT_RETRY_DELAY_MS = 250;
/** Default longest `Retry-After` honoured, ms. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 2000;
/** Default number of same-host redirects followed. */
export const DEFAULT_MAX_REDIRECTS = 2;

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/**
 * Whether a redirect from `from` to `to` stays on the same host: the same
 * host and port, no credentials, and the same scheme or an upgrade to https.
 * @param from the URL that answered with the redirect
 * @param to where it points
 * @returns true when it may be followed
 */
export function isSameHostRedirect(from: URL, to: URL): boolean {
  if (to.protocol !== "https:" && to.protocol !== "http:") return false;
  if (to.username !== "" || to.password !== "") return false;
  if (to.protocol !== from.protocol && to.protocol !== "https:") return false;
  return to.hostname.toLowerCase() === from.hostname.toLowerCase() &&
    (to.port === from.port || (to.protocol !== from.protocol && to.port === ""));
}

/**
 * Reads `Retry-After` (seconds or an HTTP date) as a delay in ms.
 * @param value the header's value
 * @param now the current time, ms since the epoch
 * @returns the delay, or `null` when absent or unreadable
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null;
  const s = value.trim();
  if (/^\d{1,9}$/.test(s)) return Number(s) * 1000;
  // An HTTP date ("Wed, 21 Oct 2015 07:28:00 GMT"); Date.parse alone takes "-5" for a year.
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(s)) return null;
  const at = Date.parse(s);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function isTimeout(error: unknown, signal: AbortSignal): boolean {
  if (signal.aborted && (signal.reason as { name?: string } | undefined)?.name === "TimeoutError") {
    return true;
  }
  return (error as { name?: string } | null)?.name === "TimeoutError";
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function readCapped(
  res: Response,
  maxBytes: number,
): Promise<{ body: string } | { tooLarge: true }> {
  const declared = Number(res.headers.get("content-length") ?? NaN);
  if (declared > maxBytes || !res.body) {
    await res.body?.cancel();
    return declared > maxBytes ? { tooLarge: true } : { body: "" };
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let total = 0;
  let body = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return { tooLarge: true };
    }
    body += decoder.decode(value, { stream: true });
  }
  return { body: body + decoder.decode() };
}

/** One hop's answer: a response to read, or why the chain of redirects ended. */
type Hop = { readonly res: Response } | { readonly end: Attempt };

/** Fetches `url`, following same-host redirects by hand within one timeout. */
async function fetchFollowing(
  url: string,
  o: BoundedGetOptions,
  signal: AbortSignal,
): Promise<Hop> {
  const maxRedirects = o.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  let current = new URL(url);
  for (let hops = 0;; hops++) {
    let res: Response;
    try {
      res = await o.fetch(current.href, {
        signal,
        redirect: "manual",
        ...(o.headers === undefined ? {} : { headers: o.headers }),
      });
    } catch (e) {
      if (isTimeout(e, signal)) return { end: { retry: false, outcome: { kind: "timeout" } } };
      return {
        end: { retry: true, outcome: { kind: "network", detail: describe(e) }, delayMs: null },
      };
    }
    if (!REDIRECT_STATUSES.has(res.status)) return { res };
    await res.body?.cancel();
    const location = res.headers.get("location");
    let target: URL | null = null;
    try {
      target = location === null ? null : new URL(location, current);
    } catch {
      target = null;
    }
    const refuse = (detail: string): Hop => ({
      end: { retry: false, outcome: { kind: "redirect_refused", status: res.status, detail } },
    });
    if (target === null) return refuse("a redirect without a usable Location");
    if (!isSameHostRedirect(current, target)) {
      // The host only: the rest of the Location may echo the request, token included.
      return refuse(`a redirect to another host (${target.host.slice(0, 100)}) is not followed`);
    }
    if (hops >= maxRedirects) return refuse(`more than ${maxRedirects} redirects`);
    current = target;
  }
}

async function attempt(url: string, o: BoundedGetOptions): Promise<Attempt> {
  const signal = AbortSignal.timeout(o.timeoutMs);
  const hop = await fetchFollowing(url, o, signal);
  if ("end" in hop) return hop.end;
  const res = hop.res;
  if (res.status === 429 || res.status >= 500) {
    await res.body?.cancel();
    return {
      retry: true,
      outcome: { kind: "http_error", status: res.status },
      delayMs: parseRetryAfter(res.headers.get("retry-after")),
    };
  }
  if (!res.ok) {
    await res.body?.cancel();
    return { retry: false, outcome: { kind: "http_error", status: res.status } };
  }
  try {
    const read = await readCapped(res, o.maxBodyBytes);
    const outcome: BoundedGetOutcome = "tooLarge" in read
      ? { kind: "too_large", limit: o.maxBodyBytes }
      : { kind: "ok", status: res.status, body: read.body };
    return { retry: false, outcome };
  } catch (e) {
    if (isTimeout(e, signal)) return { retry: false, outcome: { kind: "timeout" } };
    return { retry: false, outcome: { kind: "network", detail: describe(e) } };
  }
}

/**
 * GETs a URL with a timeout per request, at most one retry and a capped body.
 * A timeout is not retried: the caller has already waited the full budget.
 * @param url the URL
 * @param options limits and the fetch to use
 * @returns the body or why there is none; never throws for remote failures
 */
export async function boundedGet(
  url: string,
  options: BoundedGetOptions,
): Promise<BoundedGetOutcome> {
  const first = await attempt(url, options);
  if (!first.retry) return first.outcome;
  const maxRetryAfter = options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
  if (first.delayMs !== null && first.delayMs > maxRetryAfter) return first.outcome;
  await options.sleep(first.delayMs ?? options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS);
  return (await attempt(url, options)).outcome;
}
