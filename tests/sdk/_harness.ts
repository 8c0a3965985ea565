/**
 * Builds a client on fake time and a fake socket, and plays the server's
 * opening (open, WELCOME, SNAPSHOT) in one call.
 * @module
 */
import { ReviewClient } from "../../web/sdk/client.ts";
import type { ClientOptions } from "../../web/sdk/options.ts";
import { FakeSocket, FakeTimers, flushMicrotasks, welcome } from "./_fakes.ts";

/** A client wired to fakes. */
export interface Harness {
  readonly client: ReviewClient;
  readonly timers: FakeTimers;
  /** Every state name the client went through. */
  readonly states: string[];
}

/**
 * Makes a client on fakes; random is fixed at 0.5 unless given.
 * @param over options to override
 * @returns the client, its timers and the states it reports
 */
export async function makeClient(over: Partial<ClientOptions> = {}): Promise<Harness> {
  FakeSocket.instances = [];
  const timers = new FakeTimers();
  const client = new ReviewClient("ws://hub.test/ws", {
    token: "tok",
    WebSocket: FakeSocket,
    timers,
    random: () => 0.5,
    ...over,
  });
  const states: string[] = [];
  client.on("state", (s) => states.push(s.kind));
  await flushMicrotasks();
  return { client, timers, states };
}

/**
 * Opens the last socket and plays WELCOME (and SNAPSHOT when not resumed).
 * @param over WELCOME fields
 * @param items SNAPSHOT items (response ids) when not resumed
 * @returns the socket
 */
export function serverWelcomes(
  over: Record<string, unknown> = {},
  items: number[] = [],
): FakeSocket {
  const socket = FakeSocket.last;
  socket.open();
  const w = welcome(over);
  socket.receive(w);
  if (!w.resumed) {
    socket.receive({
      type: "SNAPSHOT",
      seq: w.seq,
      items: items.map((id) => ({
        response_id: id,
        platform: "vk",
        post_url: `https://vk.com/wall-1_${id}`,
        html: `<p>${id}</p>`,
      })),
    });
  }
  return socket;
}
