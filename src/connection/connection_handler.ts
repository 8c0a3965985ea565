/**
 * `ConnectionHandler`: one connection's frames in, outcomes out. Enforces the
 * frame rules that come before any command (text only, size, rate), decodes,
 * routes through `routeFrame`, and carries out the outcome. `CL` is a barrier:
 * frames that follow it wait until the hello is done; other commands run
 * concurrently and each gets its own reply.
 * @module
 */
import type { Clock } from "../clock.ts";
import { routeFrame } from "../commands/router.ts";
import type { CommandDeps, Outcome, SessionView } from "../commands/context.ts";
import { errorFrame, failureFrame } from "../commands/errors.ts";
import type { Logger } from "../logging/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { CLOSE } from "../protocol/codes.ts";
import { decodeClientFrame, DecodeError } from "../protocol/decode.ts";
import type { ClientFrame, CommandId, ServerFrame } from "../protocol/frames.ts";
import type { ServerWebSocket } from "../transport/ws_socket.ts";
import { createClient, type WebSocketClient } from "./client.ts";
import type { WebSocketManager } from "./manager.ts";
import type { ClientSync } from "./sync.ts";

/** Options of a `ConnectionHandler`. */
export interface HandlerOptions {
  /** The registry of connections. */
  readonly manager: WebSocketManager;
  /** Replays or snapshots a client after `CL`. */
  readonly sync: ClientSync;
  /** What the command handlers need. */
  readonly deps: CommandDeps;
  /** Time, for rate limits and heartbeats. */
  readonly clock: Clock;
  /** Where refused frames and failures are reported. */
  readonly logger: Logger;
  /** Frame and close counters; none when absent. */
  readonly metrics?: Metrics;
  /** The largest frame accepted (bytes); past it the connection closes 1009. */
  readonly maxMessageBytes: number;
  /** Frames a client may send per second, sustained. */
  readonly rateLimitPerSec: number;
  /** Frames a client may send at once above the rate. */
  readonly rateLimitBurst: number;
  /** Rate-limit rejections within 10 s that close the connection 4029. */
  readonly maxViolations?: number;
}

const encoder = new TextEncoder();

/** Handles the frames of every connection of a process. */
export class ConnectionHandler {
  readonly #o: HandlerOptions;
  readonly #barriers = new Map<string, Promise<void>>();
  readonly #inFlight = new Set<Promise<void>>();

  /**

   * Creates the handler that every accepted socket is given to.

   * @param options manager, sync, command dependencies and limits

   */
  constructor(options: HandlerOptions) {
    this.#o = options;
  }

  /**
   * Takes a new socket: registers its client record and wires its events.
   * @param socket the upgraded WebSocket
   * @param remoteAddress the peer's address
   * @returns the client record
   */
  accept(socket: ServerWebSocket, remoteAddress: string): WebSocketClient {
    const { manager, clock } = this.#o;
    const client = createClient(socket, remoteAddress, clock.now(), {
      perSecond: this.#o.rateLimitPerSec,
      burst: this.#o.rateLimitBurst,
      maxViolations: this.#o.maxViolations ?? 50,
    });
    manager.addClient(client);
    socket.onmessage = (ev) => this.onMessage(client, ev.data);
    socket.onclose = (ev) => {
      this.#barriers.delete(client.id);
      manager.removeClient(client.id, ev.code);
    };
    socket.onerror = () => {/* onclose follows */};
    return client;
  }

  /** Resolves when every command under way has finished. */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /**
   * Handles one message from a client.
   * @param client the connection
   * @param data the message (a string for text frames)
   */
  onMessage(client: WebSocketClient, data: unknown): void {
    const { manager, metrics } = this.#o;
    manager.updateHeartbeat(client.id);
    if (client.state === "closed") return;
    if (client.tokenExpiresAt !== 0 && this.#o.clock.now() >= client.tokenExpiresAt) {
      manager.close(client, CLOSE.badToken, "token expired");
      return;
    }
    if (typeof data !== "string") {
      metrics?.increment("ws_frames_in_total", { type: "binary" });
      manager.close(client, CLOSE.binaryFrame, "binary frames are not accepted");
      return;
    }
    if (overLimit(data, this.#o.maxMessageBytes)) {
      metrics?.increment("ws_frames_in_total", { type: "oversize" });
      manager.close(client, CLOSE.tooBig, `frame over ${this.#o.maxMessageBytes} bytes`);
      return;
    }
    // Every frame counts toward the rate limit, decodable or not, and before
    // any work is spent on it: a flood of bad frames ends in 4029 too.
    if (!this.#admit(client)) {
      metrics?.increment("ws_frames_in_total", { type: "rate_limited" });
      // At most `maxViolations` of these per window before the close, so
      // reading the id back (the reply must carry it) stays bounded.
      if ((client.state as string) !== "closed") {
        this.#reply(
          client,
          errorFrame(commandIdOf(data), "rate_limited", "too many frames; slow down"),
        );
      }
      return;
    }
    let frame: ClientFrame;
    try {
      frame = decodeClientFrame(data);
    } catch (e) {
      metrics?.increment("ws_frames_in_total", { type: "invalid" });
      const err = e as DecodeError;
      this.#reply(client, errorFrame(err.commandId, err.code, err.message, { ...err.fields }));
      return;
    }
    metrics?.increment("ws_frames_in_total", { type: frame.type });
    // A frame that follows a CL waits for the hello to finish.
    const barrier = this.#barriers.get(client.id);
    const run = barrier
      ? barrier.then(() => this.#dispatch(client, frame))
      : this.#dispatch(client, frame);
    if (frame.type === "CL") {
      const done: Promise<void> = Promise.resolve(run).finally(() => {
        if (this.#barriers.get(client.id) === done) this.#barriers.delete(client.id);
      });
      this.#barriers.set(client.id, done);
    }
  }

  /**
   * Takes a message's token from the peer's one rate limit (shared with the
   * transport, which charges its bytes, fragments and control frames).
   */
  #admit(client: WebSocketClient): boolean {
    const now = this.#o.clock.now();
    if (client.bucket.take(now)) return true;
    if (client.bucket.violation(now, this.#o.maxViolations)) {
      this.#o.manager.close(client, CLOSE.rateLimited, "rate limit exceeded repeatedly");
    }
    return false;
  }

  /**
   * Routes one frame. An outcome known at once (no I/O) is carried out now,
   * without a promise; one that waits on I/O is tracked until it settles.
   */
  #dispatch(client: WebSocketClient, frame: ClientFrame): Promise<void> | undefined {
    if (client.state === "closed") return undefined;
    let outcome: Outcome | Promise<Outcome>;
    try {
      outcome = routeFrame(sessionOf(client), frame, this.#o.deps);
    } catch (e) {
      this.#reply(client, failureFrame(frame.id, e, this.#o.logger));
      return undefined;
    }
    if (outcome instanceof Promise) return this.#track(client, frame, outcome);
    void this.#carryOut(client, outcome);
    return undefined;
  }

  /** Carries out a command's outcome once it is known, counting it as in flight until then. */
  #track(client: WebSocketClient, frame: ClientFrame, outcome: Promise<Outcome>): Promise<void> {
    const started = performance.now();
    client.inFlight++;
    const task = this.#settle(client, frame, outcome).finally(() => {
      client.inFlight--;
      this.#inFlight.delete(task);
      this.#o.metrics?.observe("ws_command_seconds", (performance.now() - started) / 1000, {
        type: frame.type,
      });
    });
    this.#inFlight.add(task);
    return task;
  }

  async #settle(
    client: WebSocketClient,
    frame: ClientFrame,
    pending: Promise<Outcome>,
  ): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = await pending;
    } catch (e) {
      this.#reply(client, failureFrame(frame.id, e, this.#o.logger));
      return;
    }
    await this.#carryOut(client, outcome);
  }

  async #carryOut(client: WebSocketClient, outcome: Outcome): Promise<void> {
    switch (outcome.kind) {
      case "reply":
        this.#reply(client, outcome.frame);
        return;
      case "close":
        if (outcome.frame) this.#reply(client, outcome.frame);
        this.#o.logger.debug("closing connection", { client: client.id, code: outcome.code });
        this.#o.manager.close(client, outcome.code, outcome.reason);
        return;
      case "hello":
        try {
          await this.#o.sync.welcome(client, outcome.identity, outcome.id, outcome.resume);
        } catch (e) {
          if (client.state === "hello") {
            this.#reply(client, failureFrame(outcome.id, e, this.#o.logger));
          } else this.#o.logger.warn("hello failed after WELCOME", { client: client.id, error: e });
        }
        return;
      default: {
        const never: never = outcome;
        throw new TypeError(`unhandled outcome ${JSON.stringify(never)}`);
      }
    }
  }

  #reply(client: WebSocketClient, frame: ServerFrame): void {
    if (frame.type === "ERROR") this.#o.metrics?.increment("ws_errors_total", { code: frame.code });
    this.#o.manager.send(client, frame, frame.type);
  }
}

function commandIdOf(data: string): CommandId | undefined {
  try {
    return decodeClientFrame(data).id;
  } catch (e) {
    return e instanceof DecodeError ? e.commandId : undefined;
  }
}

function sessionOf(client: WebSocketClient): SessionView {
  return {
    clientId: client.id,
    identity: client.role && client.user ? { sub: client.user, role: client.role, exp: 0 } : null,
  };
}

/** Whether a string's UTF-8 encoding is longer than `max` bytes. */
function overLimit(text: string, max: number): boolean {
  // A UTF-16 unit is 1 to 3 UTF-8 bytes: encode only when the length alone cannot tell.
  if (text.length > max) return true;
  if (text.length * 3 <= max) return false;
  return encoder.encode(text).length > max;
}
