/**
 * The publication queue's transactions over many rows (PROTOCOL.md §3.4),
 * written once for both dialects: `TAKE`, the scheduler's step, and the
 * reads behind `SNAPSHOT.in_flight`, history and `/metrics`. The queue is
 * read by the index `ws_publications_due (state, due_at, response_id)`,
 * oldest due first; the rows handed out are locked with `FOR UPDATE SKIP
 * LOCKED` on MariaDB, so concurrent takers pass over each other's rows
 * instead of waiting on them, and each row changes by a conditional update
 * that names the state and attempt it was read in.
 * @module
 */
import { PUBLICATION_STATES, type PublicationState } from "../protocol/publication_frames.ts";
import type { ResponseId } from "../protocol/types.ts";
import type {
  AdvanceRequest,
  AdvanceResult,
  PublicationRow,
  PublicationStats,
  TakenJob,
  TakeRequest,
} from "../publication/store_types.ts";
import type { StoredEvent } from "./rows.ts";
import { appendEvent } from "./sql_log.ts";
import type { SqlDialect, SqlRunner } from "./sql_runner.ts";
import { PUBLICATION_COLUMNS, skipLocked, toPublicationRow } from "./sql_publication_values.ts";
import { fromDbTime, type SqlParam, toDbTime } from "./sql_values.ts";

import { LEASE_LAPSED_REASON } from "../publication/policy.ts";

/**
 * Whether anything is due, by a plain read (no lock, no write transaction):
 * an empty `TAKE` and an idle scheduler step cost one indexed read instead
 * of a writer's transaction (on SQLite, the file's write lock).
 * @param r a runner
 * @param at the time
 * @param what `take` (queued rows due) or `advance` (windows and leases passed)
 * @returns true when a row may be due
 */
export async function anythingDue(
  r: SqlRunner,
  at: Date,
  what: "take" | "advance",
): Promise<boolean> {
  const states = what === "take" ? ["queued"] : ["held", "publishing"];
  for (const state of states) {
    const [row] = await r.all(
      "SELECT response_id FROM ws_publications WHERE state = ? AND due_at <= ? LIMIT 1",
      [state, toDbTime(at)],
    );
    if (row !== undefined) return true;
  }
  return false;
}

/**
 * The `take` transaction (see `PublicationStore.take`).
 * @param tx the open transaction
 * @param dialect the database's spellings
 * @param t the take
 * @returns the jobs taken, oldest due first, each with its `publishing` event
 */
export async function takeIn(
  tx: SqlRunner,
  dialect: SqlDialect,
  t: TakeRequest,
): Promise<TakenJob[]> {
  const params: SqlParam[] = [toDbTime(t.at)];
  let platformFilter = "";
  if (t.platforms !== undefined) {
    platformFilter = ` AND platform IN (${t.platforms.map(() => "?").join(", ")})`;
    params.push(...t.platforms);
  }
  params.push(t.max);
  const due = (await tx.all(
    `SELECT ${PUBLICATION_COLUMNS} FROM ws_publications WHERE state = 'queued' AND due_at <= ?` +
      `${platformFilter} ORDER BY due_at, response_id LIMIT ?${skipLocked(dialect)}`,
    params,
  )).map(toPublicationRow);
  const leaseUntil = toDbTime(t.leaseUntil);
  const mine: PublicationRow[] = [];
  for (const pub of due) {
    const changed = await tx.run(
      "UPDATE ws_publications SET state = 'publishing', lease_holder = ?, lease_until = ?, " +
        "due_at = ?, attempts = attempt WHERE response_id = ? AND state = 'queued' AND attempt = ?",
      [t.by, leaseUntil, leaseUntil, pub.responseId, pub.attempt],
    );
    if (changed !== 1) continue;
    await tx.run(
      "INSERT INTO ws_publication_attempts (response_id, attempt, taken_by, taken_at, " +
        "lease_until, maybe_applied) VALUES (?, ?, ?, ?, ?, ?)",
      [pub.responseId, pub.attempt, t.by, toDbTime(t.at), leaseUntil, pub.maybeApplied ? 1 : 0],
    );
    mine.push(pub);
  }
  if (mine.length === 0) return [];
  const texts = new Map(
    (await tx.all(
      `SELECT id, post_url, response_text FROM responses WHERE id IN (${
        mine.map(() => "?").join(", ")
      })`,
      mine.map((p) => p.responseId),
    )).map((r) => [Number(r.id), r]),
  );
  // The events last: the log's head lock is held from the first append to the commit.
  const jobs: TakenJob[] = [];
  for (const pub of mine) {
    const row = texts.get(pub.responseId);
    const event = await appendEvent(tx, dialect, "publishing", pub.responseId, {
      event: "publishing",
      response_id: pub.responseId,
      by: t.by,
      attempt: pub.attempt,
      lease_until: t.leaseUntil.toISOString(),
    });
    jobs.push({
      responseId: pub.responseId,
      platform: pub.platform,
      postUrl: String(row?.post_url ?? ""),
      text: String(row?.response_text ?? ""),
      attempt: pub.attempt,
      leaseUntil: t.leaseUntil,
      maybeApplied: pub.maybeApplied,
      decidedBy: pub.decidedBy,
      decidedAt: pub.decidedAt,
      event,
    });
  }
  return jobs;
}

/** A passed window: an approval goes to the queue (attempt 1), a rejection is final (no event). */
async function endWindow(
  tx: SqlRunner,
  dialect: SqlDialect,
  pub: PublicationRow,
): Promise<StoredEvent | "settled" | null> {
  if (pub.decision === "rejected") {
    const n = await tx.run(
      "UPDATE ws_publications SET state = 'rejected', due_at = NULL " +
        "WHERE response_id = ? AND state = 'held'",
      [pub.responseId],
    );
    return n === 1 ? "settled" : null;
  }
  const n = await tx.run(
    "UPDATE ws_publications SET state = 'queued', attempt = 1, due_at = undo_until " +
      "WHERE response_id = ? AND state = 'held'",
    [pub.responseId],
  );
  if (n !== 1) return null;
  return await appendEvent(tx, dialect, "queued", pub.responseId, {
    event: "queued",
    response_id: pub.responseId,
    attempt: 1,
    due_at: pub.undoUntil.toISOString(),
    maybe_applied: false,
  });
}

/** A lapsed lease: the next attempt, maybe applied; or `failed` after the last attempt. */
async function endLease(
  tx: SqlRunner,
  dialect: SqlDialect,
  pub: PublicationRow,
  a: AdvanceRequest,
): Promise<StoredEvent | null> {
  const at = toDbTime(a.at);
  const last = pub.attempt >= a.maxAttempts;
  const n = last
    ? await tx.run(
      "UPDATE ws_publications SET state = 'failed', maybe_applied = 1, last_error = ?, " +
        "lease_holder = NULL, lease_until = NULL, due_at = NULL " +
        "WHERE response_id = ? AND state = 'publishing' AND attempt = ?",
      [LEASE_LAPSED_REASON, pub.responseId, pub.attempt],
    )
    : await tx.run(
      "UPDATE ws_publications SET state = 'queued', attempt = attempt + 1, maybe_applied = 1, " +
        "due_at = ?, lease_holder = NULL, lease_until = NULL " +
        "WHERE response_id = ? AND state = 'publishing' AND attempt = ?",
      [at, pub.responseId, pub.attempt],
    );
  if (n !== 1) return null;
  await tx.run(
    "UPDATE ws_publication_attempts SET outcome = 'lapsed', reported_at = ? " +
      "WHERE response_id = ? AND attempt = ? AND outcome IS NULL",
    [at, pub.responseId, pub.attempt],
  );
  return last
    ? await appendEvent(tx, dialect, "publish_failed", pub.responseId, {
      event: "publish_failed",
      response_id: pub.responseId,
      by: pub.leaseHolder ?? "",
      attempt: pub.attempt,
      at: a.at.toISOString(),
      reason: LEASE_LAPSED_REASON,
      final: true,
      due_at: null,
    })
    : await appendEvent(tx, dialect, "queued", pub.responseId, {
      event: "queued",
      response_id: pub.responseId,
      attempt: pub.attempt + 1,
      due_at: a.at.toISOString(),
      maybe_applied: true,
    });
}

/**
 * The scheduler's step (see `PublicationStore.advancePublications`): the
 * held rows whose window passed and the publishing rows whose lease passed,
 * oldest first, each moved once (rows another process is moving are
 * skipped, and a row moved meanwhile fails its conditional update).
 * @param tx the open transaction
 * @param dialect the database's spellings
 * @param a the time, policy and batch size
 * @returns the events appended and what was moved
 */
export async function advanceIn(
  tx: SqlRunner,
  dialect: SqlDialect,
  a: AdvanceRequest,
): Promise<AdvanceResult> {
  const at = toDbTime(a.at);
  const due = (await tx.all(
    `SELECT ${PUBLICATION_COLUMNS} FROM ws_publications WHERE state = 'held' AND due_at <= ? ` +
      "UNION ALL " +
      `SELECT ${PUBLICATION_COLUMNS} FROM ws_publications WHERE state = 'publishing' AND due_at <= ? ` +
      `ORDER BY due_at, response_id LIMIT ?`,
    [at, at, a.limit],
  )).map(toPublicationRow);
  const events: StoredEvent[] = [];
  let lapsed = 0;
  let settled = 0;
  for (const pub of due) {
    // Lock each row, skipping one another process holds: it is moving it.
    const [locked] = await tx.all(
      `SELECT state, attempt FROM ws_publications WHERE response_id = ?${skipLocked(dialect)}`,
      [pub.responseId],
    );
    if (locked === undefined || String(locked.state) !== pub.state) continue;
    if (Number(locked.attempt) !== pub.attempt) continue;
    if (pub.state === "held") {
      const done = await endWindow(tx, dialect, pub);
      if (done === "settled") settled++;
      else if (done !== null) events.push(done);
    } else {
      const event = await endLease(tx, dialect, pub, a);
      if (event !== null) {
        lapsed++;
        events.push(event);
      }
    }
  }
  return { events, lapsed, settled };
}

/**
 * The publication rows of some responses.
 * @param r a runner
 * @param ids the responses (at most a few hundred)
 * @returns their rows
 */
export async function readPublicationsOf(
  r: SqlRunner,
  ids: readonly ResponseId[],
): Promise<PublicationRow[]> {
  if (ids.length === 0) return [];
  const rows = await r.all(
    `SELECT ${PUBLICATION_COLUMNS} FROM ws_publications WHERE response_id IN (${
      ids.map(() => "?").join(", ")
    })`,
    ids,
  );
  return rows.map(toPublicationRow);
}

/** Most rows `SNAPSHOT.in_flight` carries (the oldest decisions). */
export const MAX_IN_FLIGHT = 2000;

/**
 * The decisions in flight: every row still `held` and every approval not
 * yet published, oldest decision first.
 * @param r a runner (inside the snapshot's transaction)
 * @returns at most `MAX_IN_FLIGHT` rows
 */
export async function readInFlight(r: SqlRunner): Promise<PublicationRow[]> {
  const rows = await r.all(
    `SELECT ${PUBLICATION_COLUMNS} FROM ws_publications WHERE state IN ` +
      "('held', 'queued', 'publishing', 'failed') ORDER BY decided_at, response_id LIMIT ?",
    [MAX_IN_FLIGHT],
  );
  return rows.map(toPublicationRow);
}

/**
 * The queue's figures: rows by state, and the oldest approval not published.
 * @param r a runner
 * @returns the figures
 */
export async function readPublicationStats(r: SqlRunner): Promise<PublicationStats> {
  const byState = Object.fromEntries(PUBLICATION_STATES.map((s) => [s, 0])) as Record<
    PublicationState,
    number
  >;
  for (
    const row of await r.all("SELECT state, COUNT(*) AS n FROM ws_publications GROUP BY state")
  ) {
    const state = String(row.state) as PublicationState;
    if (state in byState) byState[state] = Number(row.n);
  }
  const [oldest] = await r.all(
    "SELECT MIN(decided_at) AS oldest FROM ws_publications " +
      "WHERE decision = 'approved' AND state <> 'published'",
  );
  const v = oldest?.oldest;
  return { byState, oldestUnpublished: v === null || v === undefined ? null : fromDbTime(v) };
}
