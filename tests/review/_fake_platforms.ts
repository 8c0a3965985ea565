/**
 * Local stand-ins for VK and Telegram: real HTTP servers on 127.0.0.1 (or
 * another loopback address, for a "foreign" host) with a port of the system's
 * choosing, recording every request, so the real fetching code is tested
 * without sending anything off this machine.
 * @module
 */

/** One request the fake received. */
export interface SeenRequest {
  readonly path: string;
  readonly params: URLSearchParams;
}

/** A running fake. */
export interface FakeServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly base: string;
  /** Requests in arrival order. */
  readonly requests: SeenRequest[];
  /** Answers requests still held, then stops the server. */
  close(): Promise<void>;
}

/** Answers one request; `n` counts from 1. */
export type FakeHandler = (
  req: Request,
  n: number,
  held: Promise<void>,
) => Response | Promise<Response>;

/**
 * Starts a fake platform server.
 * @param handler answers each request; it may await `held` to never answer until close
 * @param hostname the loopback address to listen on (`127.0.0.2` for a foreign host)
 * @returns the running server
 */
export function startFake(handler: FakeHandler, hostname = "127.0.0.1"): FakeServer {
  const requests: SeenRequest[] = [];
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const server = Deno.serve({ hostname, port: 0, onListen: () => {} }, (req) => {
    const url = new URL(req.url);
    requests.push({ path: url.pathname, params: url.searchParams });
    return handler(req, requests.length, held);
  });
  return {
    base: `http://${hostname}:${server.addr.port}`,
    requests,
    close: async () => {
      release();
      await server.shutdown();
    },
  };
}

/** A JSON answer. */
export const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** A redirect to `location` (absolute or relative). */
export const redirect = (location: string, status = 302): Response =>
  new Response(null, { status, headers: { location } });

/** An HTML answer. */
export const html = (body: string, status = 200): Response =>
  new Response(body, { status, headers: { "content-type": "text/html; charset=utf-8" } });

/** A Telegram embed page around the given message-text inner HTML. */
export function telegramEmbed(textHtml: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Telegram Widget</title>
<script>var x = "<div class=\\"tgme_widget_message_text\\">not this</div>";</script></head>
<body class="widget_frame_base emoji_image"><div class="tgme_widget_message_wrap js-widget_message_wrap">
<div class="tgme_widget_message text_not_supported_wrap js-widget_message" data-post="chan/1">
<div class="tgme_widget_message_bubble"><div class="tgme_widget_message_author accent_color">
<a class="tgme_widget_message_owner_name" href="https://t.me/chan"><span dir="auto">Chan</span></a></div>
<div class="tgme_widget_message_text js-message_text" dir="auto">${textHtml}</div>
<div class="tgme_widget_message_footer compact js-message_footer"><span class="tgme_widget_message_views">1.2K</span></div>
</div></div></div></body></html>`;
}

/** Telegram's embed page for a post that does not exist. */
export const TELEGRAM_NOT_FOUND =
  `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body class="widget_frame_base">
<div class="tgme_widget_message_wrap"><div class="tgme_widget_message_error">Post not found</div></div>
</body></html>`;

/**
 * A sleep that does not wait and records what it was asked to wait.
 * @returns the sleep and the recorded delays
 */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return { waits, sleep: (ms) => (waits.push(ms), Promise.resolve()) };
}

/**
 * A TCP port on 127.0.0.1 with nothing listening on it.
 * @returns the port
 */
export function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
