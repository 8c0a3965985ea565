/**
 * `fetchPostText`: the text of a VK or Telegram post for the review card. It
 * never throws for remote failures: every outcome is a `FetchResult`, counted
 * in `ws_post_fetch_total{platform,outcome}` and timed in `ws_post_fetch_seconds`.
 * @module
 */
import type { Config } from "../config.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { boundedGet, type BoundedGetOutcome } from "./bounded_get.ts";
import { failed, type FetchResult } from "./fetch_result.ts";
import { parsePostUrl, type PostRef } from "./post_url.ts";
import { extractTelegramText, telegramEmbedUrl } from "./telegram.ts";
import { parseVkResponse, redactToken, type VkApi, vkRequestUrl } from "./vk.ts";

export type { FetchFailureReason, FetchResult } from "./fetch_result.ts";

/** Largest answer read from VK or Telegram (2 MiB). */
export const MAX_POST_BODY_BYTES = 2 * 1024 * 1024;

/** What fetching needs: where the platforms are, limits, and injectable seams. */
export interface FetchPostTextDeps {
  /** `VK_API_BASE`, `VK_API_TOKEN`, `VK_API_VERSION`. */
  readonly vk: VkApi;
  /** `TELEGRAM_BASE`. */
  readonly telegramBase: string;
  /** `POST_FETCH_TIMEOUT_MS`, per request. */
  readonly timeoutMs: number;
  /** The fetch to use; the global one by default. */
  readonly fetch?: typeof fetch;
  /** Where to count outcomes and latency. */
  readonly metrics?: Metrics;
  /** Waits before the one retry; a real timer by default. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Milliseconds for the latency measurement; `performance.now` by default. */
  readonly now?: () => number;
  /** Largest body read; `MAX_POST_BODY_BYTES` by default. */
  readonly maxBodyBytes?: number;
}

/** A fetcher bound to its dependencies, as `processPendingResponse` takes it. */
export type PostTextFetcher = (platform: string, postUrl: string) => Promise<FetchResult>;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Bounded label values, whatever the database holds in `platform`. */
function platformLabel(platform: string): "vk" | "telegram" | "unknown" {
  return platform === "vk" || platform === "telegram" ? platform : "unknown";
}

function fromHttp(
  outcome: BoundedGetOutcome,
  readBody: (body: string) => FetchResult,
): FetchResult {
  switch (outcome.kind) {
    case "ok":
      return readBody(outcome.body);
    case "http_error":
      return failed("http_error", `HTTP ${outcome.status}`);
    case "timeout":
      return failed("timeout", "no answer in time");
    case "network":
      return failed("network", outcome.detail);
    case "too_large":
      return failed("parse_error", `the answer is larger than ${outcome.limit} bytes`);
    case "redirect_refused":
      return failed("http_error", `HTTP ${outcome.status}: ${outcome.detail}`);
    default: {
      const never: never = outcome;
      return never;
    }
  }
}

async function fetchRef(ref: PostRef, deps: FetchPostTextDeps): Promise<FetchResult> {
  const get = (url: string, accept: string) =>
    boundedGet(url, {
      fetch: deps.fetch ?? fetch,
      timeoutMs: deps.timeoutMs,
      maxBodyBytes: deps.maxBodyBytes ?? MAX_POST_BODY_BYTES,
      sleep: deps.sleep ?? realSleep,
      headers: { accept },
    });
  switch (ref.platform) {
    case "vk": {
      if (deps.vk.token === "") return failed("no_token", "VK_API_TOKEN is not set");
      const outcome = await get(vkRequestUrl(deps.vk, ref), "application/json");
      const result = fromHttp(outcome, parseVkResponse);
      // A fetch error message may quote the request URL, token included.
      return result.ok ? result : { ...result, detail: redactToken(result.detail, deps.vk.token) };
    }
    case "telegram": {
      const outcome = await get(telegramEmbedUrl(deps.telegramBase, ref), "text/html");
      return fromHttp(outcome, extractTelegramText);
    }
    default: {
      const never: never = ref;
      return never;
    }
  }
}

/**
 * Fetches the text of a post.
 * @param platform `responses.platform` (`vk` or `telegram`; anything else is `bad_url`)
 * @param postUrl `responses.post_url`
 * @param deps where the platforms are, limits, metrics
 * @returns the text, or a failure with its reason; never throws for remote failures
 */
export async function fetchPostText(
  platform: string,
  postUrl: string,
  deps: FetchPostTextDeps,
): Promise<FetchResult> {
  const now = deps.now ?? (() => performance.now());
  const label = platformLabel(platform);
  const started = now();
  const parsed = parsePostUrl(platform, postUrl);
  let result: FetchResult;
  try {
    result = parsed.ok ? await fetchRef(parsed.ref, deps) : failed("bad_url", parsed.detail);
  } catch (e) {
    // Nothing above should throw; if it does, it is still not the caller's problem.
    const detail = `unexpected: ${e instanceof Error ? e.message : String(e)}`;
    result = failed("network", redactToken(detail, deps.vk.token));
  }
  deps.metrics?.increment("ws_post_fetch_total", {
    platform: label,
    outcome: result.ok ? "ok" : result.reason,
  });
  if (parsed.ok && !(result.ok === false && result.reason === "no_token")) {
    deps.metrics?.observe("ws_post_fetch_seconds", (now() - started) / 1000, { platform: label });
  }
  return result;
}

/**
 * Takes the fetching dependencies from the configuration.
 * @param config the server's configuration
 * @param metrics where to count
 * @returns the dependencies
 */
export function fetchDepsFromConfig(
  config: Pick<Config, "vk" | "telegramBase" | "postFetchTimeoutMs">,
  metrics?: Metrics,
): FetchPostTextDeps {
  return {
    vk: config.vk,
    telegramBase: config.telegramBase,
    timeoutMs: config.postFetchTimeoutMs,
    ...(metrics ? { metrics } : {}),
  };
}

/**
 * Binds `fetchPostText` to its dependencies.
 * @param deps where the platforms are, limits, metrics
 * @returns a `(platform, postUrl) => Promise<FetchResult>` fetcher
 */
export function createPostTextFetcher(deps: FetchPostTextDeps): PostTextFetcher {
  return (platform, postUrl) => fetchPostText(platform, postUrl, deps);
}
