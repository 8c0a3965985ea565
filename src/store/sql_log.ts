/**
 * The event log's writing transactions, written once for both dialects.
 * Each function runs inside a transaction opened by the caller and follows
 * the order that keeps `seq` contiguous and in commit order: first the state
 * change (locking the response's row), then `ws_meta.head + 1` (whose row
 * lock is thus held only briefly, until commit), then the event.
 * @module
 */
import { encodeEvent } from "../protocol/encode.ts";
import type { EventBody } from "../protocol/frames.ts";
import { asSeq, type EventKind, type ResponseId } from "../protocol/types.ts";
import { mayAct } from "../claims/lease.ts";
import type { AppendResult, ResponseRow, StoredEvent } from "./rows.ts";
import type { DecideResult, Decision, PendingBody } from "./response_store.ts";
import type { SqlDialect, SqlRunner } from "./sql_runner.ts";
import { RESPONSE_COLUMNS, seqOrNull, toClaim, toDbTime, toResponseRow } from "./sql_values.ts";
import { recordDecision } from "./sql_publication.ts";
import { readAnnouncement, writePostText } from "./sql_queries.ts";

/**
 * Takes the next `seq` and inserts the event with its encoded frame.
 * @param tx the open transaction
 * @param dialect spellings of the database
 * @param kind the event's kind
 * @param responseId the response it is about
 * @param body the event's fields
 * @returns the stored event; its `createdAt` is read after the seq was taken,
 *   under the head lock, so times never decrease along the log (`prune` relies on it)
 * @throws {Error} when `ws_meta` has no row (the store was not initialised)
 */
export async function appendEvent(
  tx: SqlRunner,
  dialect: SqlDialect,
  kind: EventKind,
  responseId: ResponseId,
  body: EventBody,
): Promise<StoredEvent> {
  const taken = await dialect.takeSeq(tx);
  if (taken <= 0) throw new Error("ws_meta has no row: the store was not initialised");
  const seq = asSeq(taken);
  const frame = encodeEvent(seq, body);
  const now = new Date();
  await tx.run(
    "INSERT INTO ws_events (seq, kind, response_id, frame, created_at) VALUES (?, ?, ?, ?, ?)",
    [seq, kind, responseId, frame, toDbTime(now)],
  );
  return { seq, kind, responseId, frame, createdAt: now };
}

/**
 * The `announce` transaction (see `Store.announce`).
 * @param tx the open transaction
 * @param dialect spellings of the database
 * @param id the response
 * @param build builds the pending event's body from the locked row
 * @param postText a fetched text, stored where the locked row has none
 * @returns what the announcement came to
 * @throws {TypeError} when `build` returns a body for another response or kind
 */
export async function announceIn(
  tx: SqlRunner,
  dialect: SqlDialect,
  id: ResponseId,
  build: (row: ResponseRow) => PendingBody,
  postText?: string,
): Promise<AppendResult> {
  const rows = await tx.all(
    `SELECT ${RESPONSE_COLUMNS} FROM responses WHERE id = ?${dialect.lockRows}`,
    [id],
  );
  const [found] = rows;
  if (found === undefined) return { kind: "not_found" };
  let row = toResponseRow(found);
  if (row.status !== "pending") {
    return { kind: "not_pending", status: row.status, decidedBy: row.decided_by };
  }
  // A fetched text goes in with the event (one commit); the rule is setPostText's.
  if (postText !== undefined && postText !== "" && (row.post_text ?? "") === "") {
    await writePostText(tx, id, postText);
    row = { ...row, post_text: postText };
  }
  // A decision_seq on a pending row means another module put the row back to
  // pending after a decision: that is a new announcement, not a duplicate.
  const announced = await readAnnouncement(tx, id);
  if (announced !== null) return { kind: "duplicate", seq: announced };
  const body = build(row);
  if (body.event !== "pending" || body.response_id !== id) {
    throw new TypeError(`build() must return a pending body for response ${id}`);
  }
  const event = await appendEvent(tx, dialect, "pending", id, body);
  await tx.run(dialect.upsertAnnouncement.pending_seq, [id, event.seq]);
  return { kind: "appended", event };
}

/**
 * The `decide` transaction (see `Store.decide`): the row is locked with its
 * claim, a live claim of another user refuses the decision (fencing), then
 * a conditional update whose row count settles races, the end of the
 * decider's claim, and the event.
 * @param tx the open transaction
 * @param dialect spellings of the database
 * @param d the decision (already checked)
 * @returns what the decision came to
 */
export async function decideIn(
  tx: SqlRunner,
  dialect: SqlDialect,
  d: Decision,
): Promise<DecideResult> {
  const [locked] = await tx.all(
    "SELECT r.status, r.platform, r.response_text, c.holder, c.until_at FROM responses r " +
      `LEFT JOIN ws_claims c ON c.response_id = r.id WHERE r.id = ?${dialect.lockRows}`,
    [d.responseId],
  );
  if (locked === undefined) return { kind: "not_found" };
  const claim = toClaim(locked);
  if (String(locked.status) === "pending" && !mayAct(claim, d.by, d.at.getTime())) {
    return { kind: "claimed", holder: claim!.holder, until: claim!.until };
  }
  const approved = d.decision === "approved";
  const changed = await tx.run(
    "UPDATE responses SET status = ?, decided_at = ?, decided_by = ?, reason = ?, " +
      "response_text = COALESCE(?, response_text) WHERE id = ? AND status = 'pending'",
    [
      d.decision,
      toDbTime(d.at),
      d.by,
      approved ? null : d.reason ?? null,
      approved ? d.text ?? null : null,
      d.responseId,
    ],
  );
  if (changed === 1) {
    // The holder's decision ends the claim (as does one after it lapsed).
    if (claim !== null) await tx.run("DELETE FROM ws_claims WHERE response_id = ?", [d.responseId]);
    let rowText = d.text ?? "";
    if (approved && d.text === undefined) {
      const [row] = await tx.all("SELECT response_text FROM responses WHERE id = ?", [
        d.responseId,
      ]);
      if (row === undefined) {
        throw new Error(`response ${d.responseId} vanished inside its decision`);
      }
      rowText = String(row.response_text);
    }
    // v1.2: the undo window (and, for an approval, the publication) starts here.
    const proposed = String(locked.response_text);
    const edited = approved && d.text !== undefined && d.text !== proposed;
    await recordDecision(tx, d, String(locked.platform), edited ? proposed : null);
    const body = decisionBody(d, rowText);
    const event = await appendEvent(tx, dialect, d.decision, d.responseId, body);
    await tx.run(dialect.upsertAnnouncement.decision_seq, [d.responseId, event.seq]);
    return { kind: "appended", event };
  }
  const [row] = await tx.all(
    `SELECT status, decided_by FROM responses WHERE id = ?${dialect.lockRows}`,
    [d.responseId],
  );
  if (row === undefined) return { kind: "not_found" };
  const status = String(row.status);
  const decidedBy = row.decided_by === null ? null : String(row.decided_by);
  if (status === d.decision && decidedBy === d.by) {
    const [ann] = await tx.all(
      "SELECT decision_seq FROM ws_announcements WHERE response_id = ?",
      [d.responseId],
    );
    const seq = seqOrNull(ann?.decision_seq);
    if (seq !== null) return { kind: "duplicate", seq };
  }
  return { kind: "not_pending", status, decidedBy };
}

/** Builds the body of a decision event from the row as decided. */
function decisionBody(d: Decision, rowText: string): EventBody {
  return d.decision === "approved"
    ? {
      event: "approved",
      response_id: d.responseId,
      by: d.by,
      at: d.at.toISOString(),
      text: d.text ?? rowText,
      undo_until: (d.undoUntil ?? d.at).toISOString(),
    }
    : {
      event: "rejected",
      response_id: d.responseId,
      by: d.by,
      at: d.at.toISOString(),
      reason: d.reason ?? null,
      undo_until: (d.undoUntil ?? d.at).toISOString(),
    };
}
