/**
 * The claims' writing transactions (v1.1), written once for both dialects,
 * in the order of the log's other transactions (`sql_log.ts`): the
 * response's row is locked first — by claims, releases and decisions alike,
 * so they serialise on it and take locks in one order — then one
 * conditional statement settles who holds the claim, then the event.
 * @module
 */
import { type Claim, isLive, releaseVerdict, renewalChangesNothing } from "../claims/lease.ts";
import { asResponseId, asSeq, type ResponseId } from "../protocol/types.ts";
import type {
  ClaimRequest,
  ClaimResult,
  ReleaseRequest,
  ReleaseResult,
  StoredClaim,
} from "./claim_store.ts";
import { appendEvent } from "./sql_log.ts";
import type { SqlDialect, SqlRunner } from "./sql_runner.ts";
import { toClaim, toDbTime } from "./sql_values.ts";

async function readClaim(tx: SqlRunner, dialect: SqlDialect, id: ResponseId) {
  const [row] = await tx.all(
    `SELECT holder, until_at FROM ws_claims WHERE response_id = ?${dialect.lockRows}`,
    [id],
  );
  return toClaim(row);
}

/**
 * Takes the log's head row (`ws_meta`) before counting a user's live
 * claims: every appending transaction takes it anyway (for its `seq`), in
 * the same order (the response's row first), so counting under it
 * serialises the claims that could pass the cap together, with no lock of
 * its own and no new lock order.
 */
async function lockLog(tx: SqlRunner, dialect: SqlDialect): Promise<void> {
  await tx.all(`SELECT head FROM ws_meta WHERE id = 1${dialect.lockRows}`);
}

async function liveClaimsOf(tx: SqlRunner, holder: string, at: Date): Promise<number> {
  const [row] = await tx.all(
    "SELECT COUNT(*) AS n FROM ws_claims WHERE holder = ? AND until_at > ?",
    [holder, toDbTime(at)],
  );
  return Number(row?.n ?? 0);
}

/**
 * The `claim` transaction (see `Store.claim`).
 * @param tx the open transaction
 * @param dialect spellings of the database
 * @param c the claim (already checked)
 * @returns what the claim came to
 */
export async function claimIn(
  tx: SqlRunner,
  dialect: SqlDialect,
  c: ClaimRequest,
): Promise<ClaimResult> {
  const [row] = await tx.all(
    `SELECT status, decided_by FROM responses WHERE id = ?${dialect.lockRows}`,
    [c.responseId],
  );
  if (row === undefined) return { kind: "not_found" };
  if (String(row.status) !== "pending") {
    const decidedBy = row.decided_by === null ? null : String(row.decided_by);
    return { kind: "not_pending", status: String(row.status), decidedBy };
  }
  // Every claim, release and decision of this response holds its row now:
  // the claim read here is the one the rest of the transaction acts on.
  const held = await readClaimWithSeq(tx, dialect, c.responseId);
  const now = c.at.getTime();
  const mine = held !== null && isLive(held, now) && held.holder === c.by;
  if (mine && held.seq !== null) {
    const lease = c.until.getTime() - now;
    if (renewalChangesNothing(held, now, lease)) {
      return { kind: "current", seq: held.seq, holder: held.holder, until: held.until };
    }
  }
  if (held !== null && isLive(held, now) && !mine) {
    return { kind: "claimed", holder: held.holder, until: held.until };
  }
  if (!mine && c.maxPerUser !== undefined) {
    await lockLog(tx, dialect);
    if (await liveClaimsOf(tx, c.by, c.at) >= c.maxPerUser) {
      return { kind: "too_many_claims", limit: c.maxPerUser };
    }
  }
  // The one statement that decides: the row goes to the caller only when it
  // is free, lapsed before `at`, or the caller's own.
  await tx.run(dialect.upsertClaim, [
    c.responseId,
    c.by,
    toDbTime(c.until),
    toDbTime(c.at),
  ]);
  const taken = await readClaim(tx, dialect, c.responseId);
  if (taken === null) throw new Error(`claim of response ${c.responseId} left no row`);
  if (taken.holder !== c.by) return { kind: "claimed", holder: taken.holder, until: taken.until };
  const event = await appendEvent(tx, dialect, "claimed", c.responseId, {
    event: "claimed",
    response_id: c.responseId,
    by: c.by,
    until: c.until.toISOString(),
  });
  await tx.run("UPDATE ws_claims SET seq = ? WHERE response_id = ?", [event.seq, c.responseId]);
  return { kind: "appended", event };
}

async function readClaimWithSeq(tx: SqlRunner, dialect: SqlDialect, id: ResponseId) {
  const [row] = await tx.all(
    `SELECT holder, until_at, seq FROM ws_claims WHERE response_id = ?${dialect.lockRows}`,
    [id],
  );
  const claim = toClaim(row);
  if (claim === null) return null;
  const seq = row?.seq === null || row?.seq === undefined ? null : asSeq(Number(row.seq));
  return { ...claim, seq };
}

/**
 * The `release` transaction (see `Store.release`).
 * @param tx the open transaction
 * @param dialect spellings of the database
 * @param r the release (already checked)
 * @returns what the release came to
 */
export async function releaseIn(
  tx: SqlRunner,
  dialect: SqlDialect,
  r: ReleaseRequest,
): Promise<ReleaseResult> {
  const [row] = await tx.all(
    `SELECT id FROM responses WHERE id = ?${dialect.lockRows}`,
    [r.responseId],
  );
  if (row === undefined) return { kind: "not_found" };
  const ended = await tx.run(
    "DELETE FROM ws_claims WHERE response_id = ? AND until_at > ? AND (holder = ? OR ? = 1)",
    [r.responseId, toDbTime(r.at), r.by, r.admin ? 1 : 0],
  );
  if (ended === 1) {
    const event = await appendEvent(tx, dialect, "released", r.responseId, {
      event: "released",
      response_id: r.responseId,
      by: r.by,
    });
    return { kind: "appended", event };
  }
  const held = await readClaim(tx, dialect, r.responseId);
  if (held !== null && releaseVerdict(held, r.by, r.admin, r.at.getTime()) === "refused") {
    return { kind: "claimed", holder: held.holder, until: held.until };
  }
  return { kind: "not_held" };
}

/**
 * The stored claims on pending responses (lapsed ones included: the caller
 * judges them by its clock).
 * @param r a runner (inside the snapshot's transaction)
 * @returns claims by response id
 */
export async function readPendingClaims(r: SqlRunner): Promise<Map<ResponseId, Claim>> {
  const rows = await r.all(
    "SELECT c.response_id, c.holder, c.until_at FROM ws_claims c " +
      "JOIN responses r ON r.id = c.response_id WHERE r.status = 'pending'",
  );
  const out = new Map<ResponseId, Claim>();
  for (const row of rows) out.set(asResponseId(Number(row.response_id)), toClaim(row)!);
  return out;
}

/**
 * The stored claims on some responses.
 * @param r a runner
 * @param ids the responses (at most a few hundred)
 * @returns their claims, lapsed ones included
 */
export async function readClaimsOf(
  r: SqlRunner,
  ids: readonly ResponseId[],
): Promise<StoredClaim[]> {
  if (ids.length === 0) return [];
  const rows = await r.all(
    `SELECT response_id, holder, until_at FROM ws_claims WHERE response_id IN (${
      ids.map(() => "?").join(", ")
    })`,
    ids,
  );
  return rows.map((row) => ({
    responseId: asResponseId(Number(row.response_id)),
    ...toClaim(row)!,
  }));
}
