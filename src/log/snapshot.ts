/**
 * `SnapshotSource`: the encoded `SNAPSHOT` frame, made once for all the
 * clients that ask at the same time (a reconnect storm asks thousands of
 * times), with each row's card rendered once while the row is unchanged.
 * Each item carries (v1.1) its live claim as of the snapshot, `null` when
 * none or lapsed.
 *
 * (Issue 13, row M7) The frame is also encoded to UTF-8 once per build
 * (`bytes`), and connections stream fragments of those shared bytes under
 * flow control, so a fresh connection costs its send window, never a copy
 * of the snapshot. Cards are remembered with the row fields they were made
 * from (the row's own strings, compared field by field: no copy, no hashing).
 *
 * (Issue 18) In a storm of hellos (past `STORM_BUILDS_PER_SECOND` builds in a
 * second), a snapshot is also reused, without reading the database, by a
 * client whose head is the snapshot's own `seq`, for up to
 * `STORM_REUSE_MS` and never past the moment a claim it carries lapses. The
 * contract's `SNAPSHOT` is the pending rows as they stand now, announced or
 * not, so outside a storm every snapshot is read afresh; in one, "now" may be
 * 100 ms old, as if the client had come 100 ms earlier (a row written
 * meanwhile still arrives as its `pending` event). A storm of 9000 hellos
 * read the database once per handful of hellos before.
 * @module
 */
import { PerSecondCount, STORM_BUILDS_PER_SECOND } from "../async/per_second_count.ts";
import { liveClaim } from "../claims/lease.ts";
import type { Card } from "../protocol/frames.ts";
import type { Seq } from "../protocol/types.ts";
import type { LogStore } from "../store/log_store.ts";
import type { ResponseRow } from "../store/rows.ts";
import { inFlightItem } from "../publication/views.ts";

/** A snapshot ready to send. */
export interface EncodedSnapshot {
  /** The log's head the snapshot reflects. */
  readonly seq: Seq;
  /** The `SNAPSHOT` frame's JSON text. */
  readonly frame: string;
  /** The same frame as UTF-8, encoded once and shared by every connection it is sent to. */
  readonly bytes: Uint8Array;
  /** How many pending items it holds. */
  readonly size: number;
}

const encoder = new TextEncoder();

/** How long a snapshot serves a storm's clients at its own head (ms). */
export const STORM_REUSE_MS = 100;

/** Builds and shares snapshots. */
export class SnapshotSource {
  readonly #store: LogStore;
  readonly #render: (row: ResponseRow) => Card;
  readonly #now: () => number;
  #inFlight: Promise<EncodedSnapshot> | null = null;
  /** The last snapshot built, and until when (ms) it may serve a storm's clients at its `seq`. */
  #last: { readonly snapshot: EncodedSnapshot; readonly until: number } | null = null;
  /** Snapshots built this second: past `STORM_BUILDS_PER_SECOND`, a storm of hellos. */
  readonly #builds = new PerSecondCount();
  /** Rendered cards by response id, with the row fields they were made from. */
  readonly #cards = new Map<number, { key: readonly unknown[]; json: string }>();

  /**
   * Creates a snapshot source that builds one frame for every client asking at once.
   * @param store where pending rows are read
   * @param render renders one row's card (no fetching)
   * @param now the server's clock, which judges whether a claim has lapsed
   */
  constructor(store: LogStore, render: (row: ResponseRow) => Card, now: () => number = Date.now) {
    this.#store = store;
    this.#render = render;
    this.#now = now;
  }

  /**
   * A snapshot taken now (or by a call already under way); in a storm of
   * hellos, with `head`, the last one when it reflects exactly that head, is
   * under `STORM_REUSE_MS` old and none of its claims has lapsed.
   * @param head the log's head as the caller knows it, when it knows it
   * @returns the encoded frame and the seq it reflects
   * @throws {StoreUnavailableError} when the database does not answer
   */
  get(head?: Seq): Promise<EncodedSnapshot> {
    const now = this.#now();
    const last = this.#last;
    if (
      head !== undefined && last?.snapshot.seq === head && now < last.until &&
      this.#builds.count(now) >= STORM_BUILDS_PER_SECOND
    ) {
      return Promise.resolve(last.snapshot);
    }
    this.#inFlight ??= this.#build().finally(() => {
      this.#inFlight = null;
    });
    return this.#inFlight;
  }

  async #build(): Promise<EncodedSnapshot> {
    this.#builds.add(this.#now());
    const snap = await this.#store.snapshot();
    const now = this.#now();
    let until = now + STORM_REUSE_MS;
    const seen = new Set<number>();
    const items: string[] = [];
    for (const row of snap.rows) {
      seen.add(row.id);
      const key = [
        row.platform,
        row.post_url,
        row.post_text,
        row.author,
        row.response_text,
        row.created_at.getTime(),
      ];
      let card = this.#cards.get(row.id);
      if (!card || !sameFields(card.key, key)) {
        card = { key, json: JSON.stringify(this.#render(row)) };
        this.#cards.set(row.id, card);
      }
      const claim = liveClaim(snap.claims.get(row.id) ?? null, now);
      if (claim !== null) until = Math.min(until, claim.until.getTime());
      // The card's JSON ends in `}`: the claim's two fields (and v1.2 `created_at`) go in before it.
      items.push(
        `${card.json.slice(0, -1)},"claimed_by":${JSON.stringify(claim?.holder ?? null)},` +
          `"claim_until":${JSON.stringify(claim?.until.toISOString() ?? null)},` +
          `"created_at":${JSON.stringify(row.created_at.toISOString())}}`,
      );
    }
    for (const id of this.#cards.keys()) if (!seen.has(id)) this.#cards.delete(id);
    // v1.2: the decisions in flight (undo windows open, approvals not yet published).
    const inFlight = JSON.stringify((snap.inFlight ?? []).map(inFlightItem));
    const frame = `{"type":"SNAPSHOT","seq":${snap.seq},"items":[${
      items.join(",")
    }],"in_flight":${inFlight}}`;
    const built = { seq: snap.seq, frame, bytes: encoder.encode(frame), size: items.length };
    this.#last = { snapshot: built, until };
    return built;
  }
}

function sameFields(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
