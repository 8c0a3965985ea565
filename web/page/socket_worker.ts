/**
 * The page's WebSocket, run in a dedicated worker (issue 17): the browser
 * decodes a message on the thread that owns the socket, so a 1000-card
 * `SNAPSHOT` (about 1.9 MB) cost the page one task of 244–430 ms on a loaded
 * machine (decoding, then `JSON.parse`). Here the worker owns the socket,
 * passes small messages on as text, and parses a large one itself, posting
 * its `items` in slices of about `SLICE_CHARS` each, so no task of the page
 * holds more than one slice. `worker_socket.ts` is the page's side.
 *
 * The worker runs the page's own bundle (`main.ts` calls `serveSocket` when
 * it finds no document), so there is one script to build and serve.
 * @module
 */

/** What the page asks of its socket worker. */
export type ToWorker =
  | { readonly t: "open"; readonly url: string }
  | { readonly t: "send"; readonly data: string }
  | { readonly t: "close"; readonly code?: number; readonly reason?: string };

/** What the socket worker tells the page. */
export type FromWorker =
  | { readonly t: "open" }
  /** A message as it came. */
  | { readonly t: "text"; readonly data: string }
  /**
   * A large message, parsed: the frame without its `items`, how many items
   * follow in `items` slices, and when it arrived (ms since the epoch).
   */
  | {
    readonly t: "head";
    readonly frame: Record<string, unknown>;
    readonly count: number;
    readonly receivedAt: number;
  }
  | { readonly t: "items"; readonly items: readonly unknown[] }
  | { readonly t: "close"; readonly code: number; readonly reason: string };

/** A message at least this long (UTF-16 units) is parsed in the worker. */
export const LARGE_CHARS = 64 * 1024;
/** About how much of a large message's `items` goes to the page in one message. */
export const SLICE_CHARS = 64 * 1024;

/** What the worker uses of its global scope. */
export interface WorkerScope {
  postMessage(message: FromWorker): void;
  onmessage: ((ev: { readonly data: ToWorker }) => void) | null;
  close(): void;
}

/** A rough size of an item: its strings' lengths (cards are mostly their `html`). */
function roughSize(item: unknown): number {
  if (typeof item !== "object" || item === null) return 16;
  let size = 64;
  for (const value of Object.values(item)) if (typeof value === "string") size += value.length;
  return size;
}

/**
 * What the page is told of one message: short ones as text; a long one that
 * parses as an object as a `head` and its `items` in slices (every item in
 * exactly one slice, in order); a long one that does not parse as text (the
 * client ignores it as it would have).
 * @param text the message
 * @param receivedAt when it arrived (ms since the epoch)
 * @returns the messages to post, in order
 */
export function splitMessage(text: string, receivedAt: number): FromWorker[] {
  if (text.length < LARGE_CHARS) return [{ t: "text", data: text }];
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return [{ t: "text", data: text }];
  }
  if (typeof frame !== "object" || frame === null || Array.isArray(frame)) {
    return [{ t: "text", data: text }];
  }
  const record = frame as Record<string, unknown>;
  const items = Array.isArray(record.items) ? record.items as unknown[] : null;
  if (!items) return [{ t: "head", frame: record, count: 0, receivedAt }];
  const out: FromWorker[] = [{
    t: "head",
    frame: { ...record, items: [] },
    count: items.length,
    receivedAt,
  }];
  let slice: unknown[] = [];
  let size = 0;
  for (const item of items) {
    slice.push(item);
    size += roughSize(item);
    if (size >= SLICE_CHARS) {
      out.push({ t: "items", items: slice });
      slice = [];
      size = 0;
    }
  }
  if (slice.length > 0) out.push({ t: "items", items: slice });
  return out;
}

/**
 * Runs the socket side in a worker: opens the WebSocket the page asks for,
 * sends and closes it on request, and posts what arrives. The worker ends
 * itself once its socket has closed.
 * @param scope the worker's global scope
 * @param Socket the WebSocket constructor (the worker's own)
 */
export function serveSocket(
  scope: WorkerScope,
  Socket: new (url: string) => WebSocket = WebSocket,
): void {
  let ws: WebSocket | null = null;
  const closed = (code: number, reason: string) => {
    scope.postMessage({ t: "close", code, reason });
    scope.close();
  };
  scope.onmessage = ({ data }) => {
    switch (data.t) {
      case "open":
        try {
          ws = new Socket(data.url);
        } catch (error) {
          return closed(1006, `cannot open: ${error}`);
        }
        ws.onopen = () => scope.postMessage({ t: "open" });
        ws.onmessage = (ev) => {
          if (typeof ev.data !== "string") return; // the server sends text only
          const at = performance.timeOrigin + performance.now();
          for (const message of splitMessage(ev.data, at)) scope.postMessage(message);
        };
        ws.onclose = (ev) => closed(ev.code, ev.reason);
        return;
      case "send":
        // As a WebSocket does: a send on a closing socket is dropped.
        if (ws?.readyState === 1) ws.send(data.data);
        return;
      case "close":
        if (!ws) return closed(data.code ?? 1005, data.reason ?? "");
        try {
          ws.close(data.code, data.reason);
        } catch { /* already closing */ }
        return;
      default: {
        const unknown: never = data;
        return void unknown;
      }
    }
  };
}
