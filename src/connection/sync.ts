/**
 * Bringing a client up to date: `WELCOME`, then the replay of what it missed
 * or a `SNAPSHOT`, then live events — never an event twice on one
 * connection, never a gap, also while a replay and live events overlap.
 *
 * How: at the moment the head `H` is taken, the client enters `syncing`, so
 * every live event the feed delivers from then on is queued on its record.
 * The replay reads the log from the client's position up to the feed's head;
 * the queue is then drained (skipping what the replay already sent) in one
 * synchronous step that also switches the client to `live`.
 * @module
 */
import { transition } from "./client_state.ts";
import { clearQueue, keepQueued } from "./live_queue.ts";
import { splitQueue } from "../log/merge.ts";
import type { Identity } from "../auth/jwt.ts";
import type { Logger } from "../logging/logger.ts";
import type { EventFeed } from "../log/event_feed.ts";
import { decideResume } from "../log/resume.ts";
import type { SnapshotSource } from "../log/snapshot.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { CLOSE } from "../protocol/codes.ts";
import type { CommandId, ResumePosition, WelcomeFrame } from "../protocol/frames.ts";
import { asSeq, type Seq } from "../protocol/types.ts";
import { MAX_REASON_CHARS, MAX_TEXT_CHARS } from "../protocol/decode.ts";
import type { LogStore } from "../store/log_store.ts";
import type { WebSocketClient } from "./client.ts";
import type { WebSocketManager } from "./manager.ts";

/** How old a finished log sync may be for a hello to rely on it (ms). */
const SYNC_FRESH_MS = 20;

/** Options of a `ClientSync`. */
export interface SyncOptions {
  /** The log, read for replays past the feed's memory. */
  readonly store: LogStore;
  /** The live feed, whose recent events serve most replays. */
  readonly feed: EventFeed;
  /** The registry of connections, which sends the frames. */
  readonly manager: WebSocketManager;
  /** Builds the `SNAPSHOT` a client without a resume position gets. */
  readonly snapshots: SnapshotSource;
  /** Where replays that fail are reported. */
  readonly logger: Logger;
  /** Resume counters; none when absent. */
  readonly metrics?: Metrics;
  /** Sent in `WELCOME` (ms). */
  readonly heartbeatIntervalMs: number;
  /** Sent in `WELCOME` (ms). */
  readonly heartbeatTimeoutMs: number;
  /** (v1.2) `SLA_MINUTES`, sent in `WELCOME` as `sla_minutes` when given. */
  readonly slaMinutes?: number;
  /** Unsent bytes above which a replay pauses for the socket to drain. */
  readonly replayHighWaterBytes: number;
  /** Events read from the log per query during a replay. */
  readonly replayPageSize?: number;
  /** Called once a welcomed client is live, after its replay or `SNAPSHOT` (e.g. to send `PRESENCE`). */
  readonly onLive?: (client: WebSocketClient) => void;
  /** (v1.2) `WELCOME.undo_window_ms` (`UNDO_WINDOW_MS`); default 10000. */
  readonly undoWindowMs?: number;
  /** (v1.2) `WELCOME.claim_lease_ms` (`CLAIM_LEASE_MS`); default 120000. */
  readonly claimLeaseMs?: number;
}

/** Welcomes clients and keeps them contiguous. */
export class ClientSync {
  readonly #o: SyncOptions;
  /** One `oldestSeq` query shared by the hellos that arrive together (a reconnect storm). */
  #oldest: Promise<Seq | null> | null = null;

  /**

   * Creates the syncer of newly welcomed clients.

   * @param options store, feed, manager and heartbeat settings

   */
  constructor(options: SyncOptions) {
    this.#o = options;
  }

  /**
   * Authenticates a client and sends `WELCOME`, then the replay or the
   * `SNAPSHOT`, then switches it to live events.
   * @param client the connection
   * @param identity the verified identity
   * @param id the `CL`'s id
   * @param resume the client's position
   * @throws {StoreUnavailableError} when the database does not answer before
   * `WELCOME` was sent (the caller answers `unavailable`)
   */
  async welcome(
    client: WebSocketClient,
    identity: Identity,
    id: CommandId | undefined,
    resume: ResumePosition | undefined,
  ): Promise<void> {
    const { store, feed, manager } = this.#o;
    // The head "now": events another process committed a moment ago are
    // included (a sync finished within the last few ms counts, so a
    // reconnect storm does not queue one head query per hello).
    await feed.syncFresh(SYNC_FRESH_MS);
    if (client.state !== "hello") return;
    const head = feed.head;
    const oldest = resume && resume.last_seq < head ? await this.#oldestSeq() : null;
    const mode = decideResume({ epoch: store.epoch(), head, oldest }, resume);
    const snapshot = mode === "snapshot" ? await this.#o.snapshots.get(head) : null;
    if (client.state !== "hello") return;

    // From here to the first send nothing awaits: the client starts queueing
    // live events at the same instant its position is fixed.
    manager.authenticate(
      client,
      identity.role,
      identity.sub,
      identity.exp * 1000,
      identity.iat ?? null,
    );
    transition(client, "syncing");
    clearQueue(client);
    client.lastSeqSent = snapshot ? snapshot.seq : asSeq(resume!.last_seq);
    const outcome = resume === undefined ? "fresh" : snapshot ? "snapshot" : "resumed";
    this.#o.metrics?.increment("ws_resumes_total", { outcome });

    const welcome: WelcomeFrame = {
      type: "WELCOME",
      ...(id === undefined ? {} : { id }),
      client_id: client.id,
      role: identity.role,
      user: identity.sub,
      epoch: store.epoch(),
      seq: snapshot ? asSeq(Math.max(head, snapshot.seq)) : head,
      resumed: snapshot === null,
      heartbeat_interval_ms: this.#o.heartbeatIntervalMs,
      heartbeat_timeout_ms: this.#o.heartbeatTimeoutMs,
      ...(this.#o.slaMinutes === undefined ? {} : { sla_minutes: this.#o.slaMinutes }),
      limits: { text: MAX_TEXT_CHARS, reason: MAX_REASON_CHARS },
      undo_window_ms: this.#o.undoWindowMs ?? 10_000,
      claim_lease_ms: this.#o.claimLeaseMs ?? 120_000,
    };
    manager.send(client, welcome, "WELCOME");
    // The SNAPSHOT goes out under flow control, fragment by fragment as the
    // client reads: never queued whole (PROTOCOL.md §4, v1.2).
    if (snapshot && !(await manager.sendStreamed(client, snapshot, "SNAPSHOT"))) return;
    this.#o.logger.debug("client authenticated", {
      client: client.id,
      role: identity.role,
      user: identity.sub,
      mode,
      from: client.lastSeqSent,
      head,
    });
    await this.catchUp(client);
    // catchUp switched it to live unless the connection ended meanwhile.
    if ((client.state as string) === "live") this.#o.onLive?.(client);
  }

  /**
   * Sends a `syncing` client what it misses from the log, then its queue,
   * and switches it to `live`. Safe to call again for a client that fell
   * behind.
   * @param client the connection
   */
  async catchUp(client: WebSocketClient): Promise<void> {
    const { store, feed, manager } = this.#o;
    const pageSize = this.#o.replayPageSize ?? 500;
    try {
      while (client.state === "syncing") {
        // Everything queued was delivered by the feed, so its head bounds the replay.
        const target = feed.head;
        while (client.state === "syncing" && client.lastSeqSent < target) {
          const events = feed.recentSince(client.lastSeqSent, pageSize) ??
            await store.readSince(client.lastSeqSent, pageSize);
          if (events[0]?.seq !== client.lastSeqSent + 1) {
            this.#pruned(client);
            return;
          }
          for (const e of events) {
            if (e.seq > target) break;
            if (!manager.send(client, e.frame, "EVENT")) return;
            client.lastSeqSent = e.seq;
            // A page may be larger than the connection's account: pause within it too.
            if (client.socket.bufferedAmount > this.#highWater(client)) await this.#drain(client);
          }
          await this.#drain(client);
        }
        if (client.state !== "syncing") return;
        if (this.#drainQueue(client)) {
          transition(client, "live");
          return;
        }
      }
    } catch (e) {
      this.#o.logger.warn("replay failed", { client: client.id, error: e });
      manager.close(client, CLOSE.internal, "replay failed; reconnect and resume");
    }
  }

  #oldestSeq(): Promise<Seq | null> {
    this.#oldest ??= this.#o.store.oldestSeq().finally(() => {
      this.#oldest = null;
    });
    return this.#oldest;
  }

  /** Sends the queued events in order; false if the queue starts past a gap. */
  #drainQueue(client: WebSocketClient): boolean {
    const { ready, waiting } = splitQueue(client.lastSeqSent, [...client.queue]);
    for (const { seq, frame } of ready) {
      // A send that fails has closed the connection: nothing more to do.
      if (!this.#o.manager.send(client, frame, "EVENT")) return true;
      client.lastSeqSent = seq;
    }
    keepQueued(client, waiting);
    return waiting.length === 0;
  }

  /**
   * The replay's high-water mark for a client: the configured one, and at
   * most a quarter of the connection's account, so a replay never fills it.
   */
  #highWater(client: WebSocketClient): number {
    const account = client.socket.account;
    return account
      ? Math.min(this.#o.replayHighWaterBytes, Math.floor(account.limit / 4))
      : this.#o.replayHighWaterBytes;
  }

  /** Waits while the socket's buffer is above the high-water mark. */
  async #drain(client: WebSocketClient): Promise<void> {
    const highWater = this.#highWater(client);
    while (client.state === "syncing" && client.socket.bufferedAmount > highWater) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  #pruned(client: WebSocketClient): void {
    this.#o.logger.warn("events pruned during replay", { client: client.id });
    this.#o.manager.close(client, CLOSE.internal, "events pruned; reconnect for a snapshot");
  }
}
