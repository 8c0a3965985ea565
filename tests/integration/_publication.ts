/**
 * Helpers of the publication suites: waiting for an event in a client's
 * history, and approving a row and waiting until its publication is queued.
 * @module
 */
import assert from "node:assert/strict";
import type { Frame, TestClient } from "../_support/ws_client.ts";

/**
 * Waits until `c` has received an `EVENT` matching `match`.
 * @param c the client
 * @param match the predicate
 * @param timeoutMs how long to wait
 * @returns the event
 */
export async function eventOf(
  c: TestClient,
  match: (e: Frame) => boolean,
  timeoutMs = 5000,
): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = c.history.find((f) => f.type === "EVENT" && match(f));
    if (found) return found;
    if (Date.now() > deadline) {
      const kinds = c.history.filter((f) => f.type === "EVENT").map((f) =>
        `${f.seq}:${f.event}:${f.response_id}`
      );
      throw new Error(`no such event in ${timeoutMs} ms; have ${kinds.slice(-20).join(" ")}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Sends a command and asserts it was acknowledged.
 * @param c the client
 * @param frame the command
 * @returns the `ACK`
 */
export async function ack(c: TestClient, frame: Frame): Promise<Frame> {
  const reply = await c.request(frame);
  assert.equal(reply.type, "ACK", `${frame.type}: ${JSON.stringify(reply)}`);
  return reply;
}

/**
 * Sends a command and asserts the `ERROR` code.
 * @param c the client
 * @param frame the command
 * @param code the expected code
 * @returns the `ERROR`
 */
export async function refused(c: TestClient, frame: Frame, code: string): Promise<Frame> {
  const reply = await c.request(frame);
  assert.equal(reply.type, "ERROR", `${frame.type}: ${JSON.stringify(reply)}`);
  assert.equal(reply.code, code, `${frame.type}: ${JSON.stringify(reply)}`);
  return reply;
}

/**
 * Approves a response as `op` and waits (on `watcher`) for its `queued` event.
 * @param op an operator's client
 * @param watcher any client that receives the events
 * @param id the response
 * @param timeoutMs the undo window plus slack
 * @returns the `queued` event
 */
export async function approveAndQueue(
  op: TestClient,
  watcher: TestClient,
  id: number,
  timeoutMs: number,
): Promise<Frame> {
  await ack(op, { type: "APPROVED", response_id: id });
  return await eventOf(watcher, (e) => e.event === "queued" && e.response_id === id, timeoutMs);
}

/**
 * Takes every job due now and reports each published, so the next step
 * starts with an empty queue (jobs left taken would lapse into it later).
 * @param m a module's client
 * @returns how many jobs it published
 */
export async function drain(m: TestClient): Promise<number> {
  let n = 0;
  for (;;) {
    const { jobs } = await ack(m, { type: "TAKE", max: 20 });
    if (jobs.length === 0) return n;
    for (const j of jobs) {
      await ack(m, { type: "PUBLISHED", response_id: j.response_id, attempt: j.attempt });
      n++;
    }
  }
}
