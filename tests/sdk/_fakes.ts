/**
 * Test doubles for the SDK: fake time that moves only when told, and a fake
 * WebSocket whose server side the test plays frame by frame.
 * @module
 */
import type { CloseLike, MessageLike, WebSocketLike } from "../../web/sdk/socket.ts";

/** The SDK's fake timers are the server's fake clock: one fake time for every test. */
export { FakeClock as FakeTimers } from "../_support/fake_clock.ts";

/** A WebSocket whose server side the test plays. */
export class FakeSocket implements WebSocketLike {
  /** Every socket made, in order. */
  static instances: FakeSocket[] = [];
  /** The last socket made. */
  static get last(): FakeSocket {
    const s = FakeSocket.instances.at(-1);
    if (!s) throw new Error("no socket was made");
    return s;
  }

  readonly url: string;
  readyState = 0;
  /** Frames the client sent, parsed. */
  readonly sent: Record<string, unknown>[] = [];
  /** The close the client asked for, if any. */
  closedBy: { code: number | undefined; reason: string | undefined } | null = null;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: MessageLike) => void) | null = null;
  onclose: ((ev: CloseLike) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;

  /** @param url the endpoint */
  constructor(url: string) {
    this.url = url;
    FakeSocket.instances.push(this);
  }
  /** Client side: records a frame. */
  send(data: string): void {
    if (this.readyState !== 1) throw new Error("not open");
    this.sent.push(JSON.parse(data));
  }
  /** Client side: records the close. */
  close(code?: number, reason?: string): void {
    this.closedBy = { code, reason };
    this.readyState = 3;
  }
  /** Server side: the connection opens. */
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  /** Server side: sends a frame. */
  receive(frame: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  /** Server side: the connection ends with `code`. */
  drop(code = 1006, reason = ""): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  /** The frames sent of one type. */
  sentOf(type: string): Record<string, unknown>[] {
    return this.sent.filter((f) => f.type === type);
  }
}

/** Lets pending promise callbacks (token resolution, settled requests) run. */
export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** A `WELCOME` frame with test defaults. */
export function welcome(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "WELCOME",
    id: "hello",
    client_id: "c1",
    role: "operator",
    user: "alice",
    epoch: "E1",
    seq: 0,
    resumed: false,
    heartbeat_interval_ms: 1000,
    heartbeat_timeout_ms: 3000,
    ...over,
  };
}

/** A `pending` event. */
export function pendingEvent(seq: number, responseId: number): Record<string, unknown> {
  return {
    type: "EVENT",
    seq,
    event: "pending",
    response_id: responseId,
    platform: "vk",
    post_url: `https://vk.com/wall-1_${responseId}`,
    html: `<p>card ${responseId}</p>`,
  };
}

/** An `approved` event. */
export function approvedEvent(
  seq: number,
  responseId: number,
  by = "bob",
): Record<string, unknown> {
  return {
    type: "EVENT",
    seq,
    event: "approved",
    response_id: responseId,
    by,
    at: "2026-01-01T00:00:00.000Z",
    text: "ok",
  };
}
