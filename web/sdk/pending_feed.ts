/**
 * The receiving side of the client: applies `WELCOME`, `SNAPSHOT` and
 * `EVENT` frames to the position and the pending list, in `seq` order and
 * each once, and says when a connection can no longer be trusted. No I/O:
 * the client feeds it frames and acts on its verdicts.
 * @module
 */
import type {
  Card,
  EventFrame,
  SnapshotFrame,
  SnapshotItem,
  WelcomeFrame,
} from "../../src/protocol/frames.ts";
import { claimHolds } from "../../src/protocol/claim_lapse.ts";
import type { Emitter } from "./emitter.ts";
import type { ClientEvents, ClientStats } from "./events.ts";
import { judgeSeq, type Position } from "./sequencer.ts";

/** Whether the connection that carried a frame is still good. */
export type FeedVerdict =
  | { readonly kind: "ok" }
  | { readonly kind: "abandon"; readonly why: string };

const OK: FeedVerdict = { kind: "ok" };

/**
 * A pending card as the client knows it, with (v1.1) its claim: who holds
 * it and until when (ISO-8601 UTC), `null` when nobody does. A claim lapses
 * at `claim_until` with no event: compare it with the server's clock
 * (`ReviewClient.serverNow()`, or `isClaimLive`).
 */
export type PendingItem = Omit<SnapshotItem, "created_at"> & {
  /** (v1.2) When the module stored it (ISO-8601 UTC); absent for a card from an event. */
  readonly created_at?: string;
};

/**
 * Whether an item's claim still holds at the server time `now` (`claimHolds`,
 * the one lapse rule: it lapses at `claim_until` exactly).
 * @param item the pending item
 * @param now the server's time (ms since the epoch)
 * @returns true while someone's claim has not lapsed
 */
export function isClaimLive(item: PendingItem, now: number): boolean {
  return item.claimed_by !== null && item.claim_until !== null &&
    claimHolds(Date.parse(item.claim_until), now);
}

const unclaimed = (card: Card): PendingItem => ({
  response_id: card.response_id,
  platform: card.platform,
  post_url: card.post_url,
  html: card.html,
  claimed_by: null,
  claim_until: null,
});

/** The position, the pending cards, and the rules that keep them right. */
export class Feed {
  readonly #emitter: Emitter<ClientEvents>;
  readonly #cards = new Map<number, PendingItem>();
  readonly #stats: ClientStats = {
    connections: 0,
    resumes: 0,
    snapshots: 0,
    duplicatesDropped: 0,
    gaps: 0,
  };
  #position: Position | null;
  /** This connection was not resumed: events wait for its `SNAPSHOT`. */
  #awaitingSnapshot = false;
  #buffered: EventFrame[] = [];
  /** The `seq` to reach before `synced` (the head when the connection began). */
  #syncTarget: number | null = null;
  #epoch = "";

  /**
   * @param emitter where applied changes are reported
   * @param start a saved position to resume from, or null
   */
  constructor(emitter: Emitter<ClientEvents>, start: Position | null) {
    this.#emitter = emitter;
    this.#position = start;
  }

  /** The last contiguous position applied. */
  get position(): Position | null {
    return this.#position;
  }

  /** The pending cards by response id, oldest first, with their claims. */
  get cards(): ReadonlyMap<number, PendingItem> {
    return this.#cards;
  }

  /** A copy of the counters. */
  get stats(): ClientStats {
    return { ...this.#stats };
  }

  /**
   * A new connection was welcomed.
   * @param welcome the frame
   * @returns `abandon` when the server claims to resume a log the client does not know
   */
  welcome(welcome: WelcomeFrame): FeedVerdict {
    this.#buffered = [];
    if (welcome.resumed && this.#position?.epoch !== welcome.epoch) {
      this.#position = null; // start over with a snapshot
      return { kind: "abandon", why: "resumed an unknown log" };
    }
    this.#epoch = welcome.epoch;
    this.#stats.connections++;
    this.#awaitingSnapshot = !welcome.resumed;
    this.#syncTarget = welcome.resumed ? welcome.seq : null;
    if (welcome.resumed) this.#stats.resumes++;
    return OK;
  }

  /**
   * Replaces the pending list and the position, then applies events that came early.
   * @param snapshot the frame
   * @returns the verdict of the buffered events
   */
  snapshot(snapshot: SnapshotFrame): FeedVerdict {
    this.#cards.clear();
    for (const item of snapshot.items) {
      // A v1.0 server sends no claim fields: nobody holds anything then.
      this.#cards.set(item.response_id, {
        ...item,
        claimed_by: item.claimed_by ?? null,
        claim_until: item.claim_until ?? null,
      });
    }
    this.#position = { epoch: this.#epoch, seq: snapshot.seq };
    this.#awaitingSnapshot = false;
    this.#syncTarget = snapshot.seq;
    this.#stats.snapshots++;
    this.#emitter.emit("snapshot", snapshot);
    const buffered = this.#buffered;
    this.#buffered = [];
    for (const event of buffered) {
      const verdict = this.event(event);
      if (verdict.kind === "abandon") return verdict;
    }
    this.checkSynced();
    return OK;
  }

  /**
   * Applies an event if it is the next one; drops a repeat; a jump abandons the connection.
   * @param event the frame
   * @returns `abandon` on a gap
   */
  event(event: EventFrame): FeedVerdict {
    const position = this.#position;
    if (this.#awaitingSnapshot || !position) {
      this.#buffered.push(event); // the SNAPSHOT comes first; keep what arrives early
      return OK;
    }
    switch (judgeSeq(position.seq, event.seq)) {
      case "duplicate":
        this.#stats.duplicatesDropped++;
        return OK;
      case "gap":
        this.#stats.gaps++;
        return { kind: "abandon", why: `seq jumped from ${position.seq} to ${event.seq}` };
      case "apply":
        this.#position = { epoch: position.epoch, seq: event.seq };
        this.#apply(event);
        this.checkSynced();
        return OK;
    }
  }

  /** Reports `synced` once the position reaches the head the connection began at. */
  checkSynced(): void {
    const position = this.#position;
    if (this.#syncTarget === null || this.#awaitingSnapshot || !position) return;
    if (position.seq < this.#syncTarget) return;
    this.#syncTarget = null;
    this.#emitter.emit("synced", position);
  }

  #apply(event: EventFrame): void {
    switch (event.event) {
      case "pending":
        this.#cards.set(event.response_id, unclaimed(event));
        return this.#emitter.emit("pending", event);
      case "approved":
        this.#cards.delete(event.response_id);
        return this.#emitter.emit("approved", event);
      case "rejected":
        this.#cards.delete(event.response_id);
        return this.#emitter.emit("rejected", event);
      case "claimed": {
        const item = this.#cards.get(event.response_id);
        if (item) {
          this.#cards.set(event.response_id, {
            ...item,
            claimed_by: event.by,
            claim_until: event.until,
          });
        }
        return this.#emitter.emit("claimed", event);
      }
      case "released": {
        const item = this.#cards.get(event.response_id);
        if (item) {
          this.#cards.set(event.response_id, { ...item, claimed_by: null, claim_until: null });
        }
        return this.#emitter.emit("released", event);
      }
      // v1.2: an undone decision is pending again; the publication's steps are reported.
      case "reopened":
        this.#cards.set(event.response_id, unclaimed(event));
        return this.#emitter.emit("reopened", event);
      case "queued":
        return this.#emitter.emit("queued", event);
      case "publishing":
        return this.#emitter.emit("publishing", event);
      case "published":
        return this.#emitter.emit("published", event);
      case "publish_failed":
        return this.#emitter.emit("publish_failed", event);
      default: {
        const unknown: never = event;
        return void unknown;
      }
    }
  }
}
