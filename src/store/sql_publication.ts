/**
 * The publication pipeline's transactions on one response (PROTOCOL.md
 * §3.4), written once for both dialects: the decision's window row, `UNDO`,
 * `PUBLISHED`, `PUBLISH_FAILED`, `RETRY`. Each locks the publication row,
 * then makes its step with one conditional statement whose `WHERE` names
 * the state (and attempt) it starts from and whose row count decides, then
 * appends the event — so of two processes exactly one makes the step.
 * @module
 */
import type {
  BadState,
  CardBuilder,
  FailureReport,
  FailureResult,
  PublicationRow,
  PublishedReport,
  PublishedResult,
  RetryRequest,
  RetryResult,
  UndoRequest,
  UndoResult,
} from "../publication/store_types.ts";
import type { Decision } from "./response_store.ts";
import { appendEvent } from "./sql_log.ts";
import type { SqlDialect, SqlRunner } from "./sql_runner.ts";
import { PUBLICATION_COLUMNS, toPublicationRow } from "./sql_publication_values.ts";
import { RESPONSE_COLUMNS, toDbTime, toResponseRow } from "./sql_values.ts";

/**
 * Records a decision's window (`held`) inside the deciding transaction,
 * before its event: locks are taken in the order responses row →
 * publication row → the log's head, as every pipeline transaction does.
 * @param tx the open transaction
 * @param d the decision, with its `undoUntil`
 * @param platform the response's platform
 * @param originalText the proposed reply when the operator edited it, else null
 */
export async function recordDecision(
  tx: SqlRunner,
  d: Decision,
  platform: string,
  originalText: string | null,
): Promise<void> {
  const undoUntil = toDbTime(d.undoUntil ?? d.at);
  // A decision undone earlier left no row; one another writer left behind goes first.
  // Plain DELETE and INSERT, not REPLACE: REPLACE's duplicate check takes next-key
  // locks, which could close a cycle with the scheduler's locked rows on MariaDB.
  // And no DELETE of a row that is not there: on InnoDB that takes a gap lock, and
  // two deciders holding the same gap then deadlock on their INSERTs. The caller
  // holds the response row's lock, so this plain read sees every earlier writer.
  const [left] = await tx.all("SELECT 1 AS x FROM ws_publications WHERE response_id = ?", [
    d.responseId,
  ]);
  if (left !== undefined) {
    await tx.run("DELETE FROM ws_publications WHERE response_id = ?", [d.responseId]);
    await tx.run("DELETE FROM ws_publication_attempts WHERE response_id = ?", [d.responseId]);
  }
  await tx.run(
    "INSERT INTO ws_publications (response_id, decision, state, platform, decided_by, " +
      "decided_at, undo_until, original_text, attempt, attempts, due_at, maybe_applied) " +
      "VALUES (?, ?, 'held', ?, ?, ?, ?, ?, 0, 0, ?, 0)",
    [d.responseId, d.decision, platform, d.by, toDbTime(d.at), undoUntil, originalText, undoUntil],
  );
}

/**
 * Reads and locks a response's publication row.
 * @param tx the open transaction
 * @param dialect the database's spellings
 * @param id the response
 * @returns the row, or null
 */
export async function lockPublication(
  tx: SqlRunner,
  dialect: SqlDialect,
  id: number,
): Promise<PublicationRow | null> {
  const [row] = await tx.all(
    `SELECT ${PUBLICATION_COLUMNS} FROM ws_publications WHERE response_id = ?${dialect.lockRows}`,
    [id],
  );
  return row === undefined ? null : toPublicationRow(row);
}

/** The state of a response that has no publication row: its status, or not found. */
async function stateWithoutRow(
  tx: SqlRunner,
  id: number,
): Promise<BadState | { kind: "not_found" }> {
  const [row] = await tx.all("SELECT status FROM responses WHERE id = ?", [id]);
  if (row === undefined) return { kind: "not_found" };
  const status = String(row.status);
  // A decision made before v1.2 (or written by another module) never entered the
  // queue: under v1.1 an approval was published by its modules on the `approved`
  // event, so the hub calls it `published`; nothing is left for the pipeline to do.
  const state = status === "pending" ? "pending" : status === "approved" ? "published" : "rejected";
  return { kind: "bad_state", state };
}

/**
 * The `undo` transaction (see `PublicationStore.undo`).
 * @param tx the open transaction
 * @param dialect the database's spellings
 * @param u the undo
 * @param card renders the reopened card from the restored row
 * @returns what the undo came to
 */
export async function undoIn(
  tx: SqlRunner,
  dialect: SqlDialect,
  u: UndoRequest,
  card: CardBuilder,
): Promise<UndoResult> {
  const [locked] = await tx.all(
    `SELECT status, decided_by FROM responses WHERE id = ?${dialect.lockRows}`,
    [u.responseId],
  );
  if (locked === undefined) return { kind: "not_found" };
  if (String(locked.status) === "pending") return { kind: "bad_state", state: "pending" };
  const pub = await lockPublication(tx, dialect, u.responseId);
  if (pub === null) return { kind: "too_late", undoUntil: null };
  if (pub.decidedBy !== u.by && !u.admin) return { kind: "forbidden", decidedBy: pub.decidedBy };
  const at = toDbTime(u.at);
  // The one statement that decides: only a decision still held inside its window goes.
  const gone = await tx.run(
    "DELETE FROM ws_publications WHERE response_id = ? AND state = 'held' AND undo_until > ?",
    [u.responseId, at],
  );
  if (gone !== 1) return { kind: "too_late", undoUntil: pub.undoUntil };
  await tx.run(
    "UPDATE responses SET status = 'pending', decided_at = NULL, decided_by = NULL, " +
      "reason = NULL, response_text = COALESCE(?, response_text) WHERE id = ?",
    [pub.originalText, u.responseId],
  );
  const [row] = await tx.all(`SELECT ${RESPONSE_COLUMNS} FROM responses WHERE id = ?`, [
    u.responseId,
  ]);
  if (row === undefined) throw new Error(`response ${u.responseId} vanished inside its undo`);
  const c = card(toResponseRow(row));
  const event = await appendEvent(tx, dialect, "reopened", u.responseId, {
    event: "reopened",
    response_id: u.responseId,
    by: u.by,
    at: u.at.toISOString(),
    platform: c.platform,
    post_url: c.post_url,
    html: c.html,
  });
  // Reopened is announced again: an SR now is a duplicate of this event.
  await tx.run(dialect.upsertAnnouncement.pending_seq, [u.responseId, event.seq]);
  return { kind: "appended", event };
}

/**
 * The `published` transaction (see `PublicationStore.published`).
 * @param tx the open transaction
 * @param dialect the database's spellings
 * @param p the report (its URL already checked)
 * @returns what the report came to
 */
export async function publishedIn(
  tx: SqlRunner,
  dialect: SqlDialect,
  p: PublishedReport,
): Promise<PublishedResult> {
  const pub = await lockPublication(tx, dialect, p.responseId);
  if (pub === null) return await stateWithoutRow(tx, p.responseId);
  if (pub.state === "published" && pub.publishedSeq !== null) {
    return { kind: "duplicate", seq: pub.publishedSeq };
  }
  if (pub.state === "held" || pub.state === "rejected" || pub.state === "published") {
    return { kind: "bad_state", state: pub.state };
  }
  if (p.attempt > pub.attemptsTaken) {
    return { kind: "unknown_attempt", attemptsTaken: pub.attemptsTaken };
  }
  const at = toDbTime(p.at);
  const changed = await tx.run(
    "UPDATE ws_publications SET state = 'published', published_at = ?, url = ?, " +
      "platform_ref = ?, lease_holder = NULL, lease_until = NULL, due_at = NULL " +
      "WHERE response_id = ? AND state = ?",
    [at, p.url, p.platformRef, p.responseId, pub.state],
  );
  if (changed !== 1) throw new Error(`publication ${p.responseId} changed under its lock`);
  await tx.run(
    "UPDATE ws_publication_attempts SET outcome = 'published', reported_at = ? " +
      "WHERE response_id = ? AND attempt = ?",
    [at, p.responseId, p.attempt],
  );
  const event = await appendEvent(tx, dialect, "published", p.responseId, {
    event: "published",
    response_id: p.responseId,
    by: p.by,
    attempt: p.attempt,
    at: p.at.toISOString(),
    platform_ref: p.platformRef,
    url: p.url,
  });
  await tx.run("UPDATE ws_publications SET published_seq = ? WHERE response_id = ?", [
    event.seq,
    p.responseId,
  ]);
  return { kind: "appended", event, decidedAt: pub.decidedAt };
}

/**
 * The `publishFailed` transaction (see `PublicationStore.publishFailed`).
 * @param tx the open transaction
 * @param dialect the database's spellings
 * @param f the report and the retry policy's answer
 * @returns what the report came to
 */
export async function publishFailedIn(
  tx: SqlRunner,
  dialect: SqlDialect,
  f: FailureReport,
): Promise<FailureResult> {
  const pub = await lockPublication(tx, dialect, f.responseId);
  if (pub === null) return await stateWithoutRow(tx, f.responseId);
  if (pub.state !== "queued" && pub.state !== "publishing") {
    return { kind: "bad_state", state: pub.state };
  }
  // queued: attempt `pub.attempt` is not taken yet, so every taken one is earlier.
  const current = pub.state === "publishing" ? pub.attempt : pub.attempt - 1;
  if (f.attempt < current || (pub.state === "queued" && f.attempt <= current)) {
    return { kind: "stale" };
  }
  if (f.attempt > current) return { kind: "bad_state", state: pub.state };
  if (pub.leaseHolder !== f.by) return { kind: "not_holder", holder: pub.leaseHolder };
  const final = !f.retryable || f.attempt >= f.maxAttempts;
  const at = toDbTime(f.at);
  const changed = final
    ? await tx.run(
      "UPDATE ws_publications SET state = 'failed', last_error = ?, lease_holder = NULL, " +
        "lease_until = NULL, due_at = NULL WHERE response_id = ? AND state = 'publishing' AND attempt = ?",
      [f.reason, f.responseId, f.attempt],
    )
    : await tx.run(
      "UPDATE ws_publications SET state = 'queued', attempt = attempt + 1, due_at = ?, " +
        "last_error = ?, lease_holder = NULL, lease_until = NULL " +
        "WHERE response_id = ? AND state = 'publishing' AND attempt = ?",
      [toDbTime(f.nextDueAt), f.reason, f.responseId, f.attempt],
    );
  if (changed !== 1) throw new Error(`publication ${f.responseId} changed under its lock`);
  await tx.run(
    "UPDATE ws_publication_attempts SET outcome = 'failed', reason = ?, reported_at = ? " +
      "WHERE response_id = ? AND attempt = ?",
    [f.reason, at, f.responseId, f.attempt],
  );
  const event = await appendEvent(tx, dialect, "publish_failed", f.responseId, {
    event: "publish_failed",
    response_id: f.responseId,
    by: f.by,
    attempt: f.attempt,
    at: f.at.toISOString(),
    reason: f.reason,
    final,
    due_at: final ? null : f.nextDueAt.toISOString(),
  });
  return { kind: "appended", event, final };
}

/**
 * The `retry` transaction (see `PublicationStore.retry`).
 * @param tx the open transaction
 * @param dialect the database's spellings
 * @param r the retry
 * @returns what the retry came to
 */
export async function retryIn(
  tx: SqlRunner,
  dialect: SqlDialect,
  r: RetryRequest,
): Promise<RetryResult> {
  const pub = await lockPublication(tx, dialect, r.responseId);
  if (pub === null) return await stateWithoutRow(tx, r.responseId);
  const next = pub.attempt + 1;
  const changed = await tx.run(
    "UPDATE ws_publications SET state = 'queued', attempt = ?, due_at = ? " +
      "WHERE response_id = ? AND state = 'failed' AND attempt = ?",
    [next, toDbTime(r.at), r.responseId, pub.attempt],
  );
  if (changed !== 1) return { kind: "bad_state", state: pub.state };
  const event = await appendEvent(tx, dialect, "queued", r.responseId, {
    event: "queued",
    response_id: r.responseId,
    attempt: next,
    due_at: r.at.toISOString(),
    maybe_applied: pub.maybeApplied,
  });
  return { kind: "appended", event };
}
