/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Headless Debian Chromium driven by playwright-core, with the watches every
 * page test needs: dialogs (none may open), CSP violations, page errors.
 * @module
 */
import type { Browser, BrowserContext, Page } from "playwright-core";

// playwright-core's bundled is-wsl package probes /proc/sys/fs/binfmt_misc/WSLInterop when
// it loads (only to open URLs in a desktop browser, which these tests never do), and Deno
// grants /proc/sys paths to --allow-all alone. This variable makes that probe lazy, so the
// browser tests run with the test task's permissions.
Deno.env.set("__IS_WSL_TEST__", "1");
const { chromium } = await import("playwright-core");

/** Where screenshots go (gitignored). */
export const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url).pathname;

/** Starts Chromium; nothing it does leaves this machine. */
export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A page with everything it must not do recorded. */
export interface WatchedPage {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Dialogs that opened (alert, confirm, prompt): each one fails a test. */
  readonly dialogs: string[];
  /** Page errors and console errors. */
  readonly errors: string[];
  /** CSP violation reports (from the console and from `securitypolicyviolation`). */
  cspViolations(): Promise<string[]>;
}

/**
 * Opens a page in its own context (its own sessionStorage, as another operator's browser).
 * @param browser the browser
 * @param viewport the window size
 * @returns the watched page
 */
export async function watchedPage(
  browser: Browser,
  viewport = { width: 1280, height: 800 },
): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  const cspConsole: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("response", (r) => {
    // A 503 from /readyz is an answer the page asks for while offline (v1.2 "not ready").
    const readiness = r.status() === 503 && new URL(r.url()).pathname === "/readyz";
    if (r.status() >= 400 && !readiness) errors.push(`HTTP ${r.status()} ${r.url()}`);
  });
  page.on("console", (m) => {
    const text = m.text();
    if (/Content[- ]Security[- ]Policy/i.test(text)) cspConsole.push(text);
    // A failed load is reported with its URL by the "response" watch below.
    else if (
      m.type() === "error" &&
      !/WebSocket connection to .* failed|Failed to load resource/.test(text)
    ) {
      errors.push(`console: ${text}`);
    }
  });
  // Runs before the page's own script; init scripts are not subject to the page's CSP.
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return {
    page,
    context,
    dialogs,
    errors,
    async cspViolations() {
      let fromEvents: string[] = [];
      try {
        fromEvents = await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
      } catch { /* the page is gone */ }
      return [...cspConsole, ...fromEvents];
    },
  };
}

/**
 * Opens the operator page with a token in the fragment.
 * @param page the page
 * @param baseUrl the server's `http://host:port`
 * @param token the operator's token
 */
export async function openOperatorPage(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/#token=${encodeURIComponent(token)}`);
}

/** The selector of a card. */
export function card(id: number): string {
  return `[data-response-id="${id}"]`;
}
