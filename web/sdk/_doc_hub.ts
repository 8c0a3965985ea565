/**
 * An in-memory stand-in for the review hub, so the SDK's documentation
 * examples run under `deno test --doc` without a server. It plays the server's
 * side of PROTOCOL.md for one operator: `WELCOME` and a `SNAPSHOT` after `CL`,
 * one `pending` event, `ACK` and a `claimed` event for `CLAIM`, and a fake
 * `fetch` for `GET /api/history`. Not part of the SDK (`mod.ts` does not
 * export it); a real application passes no `WebSocket` and no `fetch`.
 * @module
 */
import type { CloseLike, MessageLike, WebSocketLike } from "./socket.ts";

/** A socket whose other end is the in-memory hub. */
export class MemoryHubSocket implements WebSocketLike {
  /** `0` until the (simulated) handshake completes, `1` while open, `3` once closed. */
  readyState = 0;
  /** Set by the client. */
  onopen: ((ev: unknown) => void) | null = null;
  /** Set by the client. */
  onmessage: ((ev: MessageLike) => void) | null = null;
  /** Set by the client. */
  onclose: ((ev: CloseLike) => void) | null = null;
  /** Set by the client. */
  onerror: ((ev: unknown) => void) | null = null;
  #seq = 0;

  /**
   * Opens the socket on the next microtask, as a real one opens later.
   * @param _url ignored: there is one hub
   */
  constructor(_url: string) {
    queueMicrotask(() => {
      this.readyState = 1;
      this.onopen?.({});
    });
  }

  /**
   * Answers a client frame as the hub would.
   * @param data the frame's JSON text
   */
  send(data: string): void {
    const frame = JSON.parse(data) as { type: string; id?: string; response_id?: number };
    if (frame.type === "CL") {
      this.#reply({
        type: "WELCOME",
        id: frame.id,
        client_id: "c1",
        role: "operator",
        user: "alice",
        epoch: "memory",
        seq: 0,
        resumed: false,
        heartbeat_interval_ms: 15_000,
        heartbeat_timeout_ms: 45_000,
      });
      this.#reply({ type: "SNAPSHOT", seq: 0, items: [] });
      this.#reply({
        type: "EVENT",
        seq: ++this.#seq,
        event: "pending",
        response_id: 42,
        platform: "vk",
        post_url: "https://vk.com/wall-1_2",
        html: "<article>…</article>",
      });
    } else if (frame.type === "CLAIM") {
      const until = "2030-01-01T00:02:00.000Z";
      const seq = ++this.#seq;
      this.#reply({
        type: "ACK",
        id: frame.id,
        seq,
        duplicate: false,
        claimed_by: "alice",
        claim_until: until,
      });
      this.#reply({
        type: "EVENT",
        seq,
        event: "claimed",
        response_id: frame.response_id,
        by: "alice",
        until,
      });
    }
  }

  /**
   * Closes both ends.
   * @param code the close code
   * @param reason the close reason
   */
  close(code = 1000, reason = ""): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    queueMicrotask(() => this.onclose?.({ code, reason }));
  }

  #reply(frame: Record<string, unknown>): void {
    queueMicrotask(() => {
      if (this.readyState === 1) this.onmessage?.({ data: JSON.stringify(frame) });
    });
  }
}

/**
 * A `fetch` that answers `GET /api/history` with one decided response.
 * @param input the request's URL
 * @returns the page, as the hub would send it
 */
export function memoryHistoryFetch(input: RequestInfo | URL): Promise<Response> {
  const url = new URL(input instanceof Request ? input.url : input);
  const body = {
    items: [{
      response_id: 42,
      platform: "vk",
      post_url: "https://vk.com/wall-1_2",
      post_text: "Is the shop open on Sunday?",
      author: "Ivan",
      response_text: "Yes, from 10 to 16.",
      status: url.searchParams.get("status") ?? "approved",
      decided_by: "alice",
      decided_at: "2030-01-01T00:01:00.000Z",
      reason: null,
      created_at: "2030-01-01T00:00:00.000Z",
    }],
    next_cursor: null,
  };
  return Promise.resolve(Response.json(body));
}
