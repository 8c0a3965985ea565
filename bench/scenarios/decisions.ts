/**
 * S5: `APPROVED` throughput and latency on MariaDB, closed loop (each
 * operator sends its next decision when the last is acknowledged), against
 * the floor: the same statements as the server's decide transaction
 * (src/store/sql_log.ts `decideIn` + `appendEvent`, READ COMMITTED, `query`
 * text protocol) run directly with mysql2 from the same number of callers on
 * a pool of the server's size. Rounds alternate ours and the floor.
 * @module
 */
import mysql from "mysql2/promise";
import { BENCH_MYSQL } from "../lib/hub.ts";
import { Histogram } from "../lib/histogram.ts";
import { type Ctx, openSpecial, startSession } from "../lib/session.ts";
import { type Spread, spread } from "../lib/summary.ts";

/** The server's MySQL pool size (src/store/mysql_store.ts default). */
export const SERVER_POOL = 10;

/** One path's figures. */
export interface PathResult {
  /** Decisions per second. */
  readonly throughput: Spread;
  /** Command → reply, ms. */
  readonly p50: Spread;
  readonly p99: Spread;
  readonly errors: Record<string, number>;
}

/** S5's result. */
export interface DecisionsResult {
  readonly deciders: number;
  readonly decisionsPerRound: number;
  readonly poolSize: number;
  readonly hub: PathResult;
  readonly floor: PathResult;
}

const dbTime = (d: Date) => d.toISOString().replace("T", " ").replace("Z", "");

/** The server's decide transaction for an approval without edited text. */
async function decideDirect(pool: mysql.Pool, id: number, by: string): Promise<void> {
  const conn = await pool.getConnection();
  try {
    const at = new Date();
    await conn.query("START TRANSACTION");
    await conn.query(
      "UPDATE responses SET status = ?, decided_at = ?, decided_by = ?, reason = ?, " +
        "response_text = COALESCE(?, response_text) WHERE id = ? AND status = 'pending'",
      ["approved", dbTime(at), by, null, null, id],
    );
    const [rows] = await conn.query("SELECT response_text FROM responses WHERE id = ?", [id]);
    const [row] = rows as { response_text: string }[];
    if (row === undefined) throw new Error(`response ${id} is gone`);
    const text = String(row.response_text);
    await conn.query("UPDATE ws_meta SET head = head + 1 WHERE id = 1");
    const [meta] = await conn.query("SELECT head FROM ws_meta WHERE id = 1");
    const [head] = meta as { head: number }[];
    if (head === undefined) throw new Error("ws_meta has no row 1");
    const seq = Number(head.head);
    const frame = JSON.stringify({
      type: "EVENT",
      seq,
      event: "approved",
      response_id: id,
      by,
      at: at.toISOString(),
      text,
    });
    await conn.query(
      "INSERT INTO ws_events (seq, kind, response_id, frame, created_at) VALUES (?, ?, ?, ?, ?)",
      [seq, "approved", id, frame, dbTime(at)],
    );
    const [upd] = await conn.query(
      "UPDATE ws_announcements SET decision_seq = ? WHERE response_id = ?",
      [seq, id],
    );
    if ((upd as { affectedRows: number }).affectedRows === 0) {
      await conn.query("INSERT INTO ws_announcements (response_id, decision_seq) VALUES (?, ?)", [
        id,
        seq,
      ]);
    }
    await conn.query("COMMIT");
  } catch (e) {
    await conn.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    conn.release();
  }
}

async function floorRound(
  pool: mysql.Pool,
  ids: number[],
  callers: number,
): Promise<{ lat: number[]; errors: Record<string, number>; elapsedMs: number }> {
  const queue = [...ids];
  const lat: number[] = [];
  const errors: Record<string, number> = {};
  const t0 = performance.now();
  await Promise.all(Array.from({ length: callers }, async (_, i) => {
    while (queue.length > 0) {
      const id = queue.shift()!;
      const start = performance.now();
      try {
        await decideDirect(pool, id, `bench-operator-${i}`);
        lat.push((performance.now() - start) * 1000);
      } catch (e) {
        const code = (e as { code?: string }).code ?? "error";
        errors[code] = (errors[code] ?? 0) + 1;
      }
    }
  }));
  return { lat, errors, elapsedMs: performance.now() - t0 };
}

function summarize(
  rounds: { lat: number[]; elapsedMs: number; errors: Record<string, number> }[],
): PathResult {
  const errors: Record<string, number> = {};
  for (const r of rounds) {
    for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
  }
  const hists = rounds.map((r) => new Histogram().recordAll(r.lat));
  return {
    throughput: spread(rounds.map((r) => r.lat.length / (r.elapsedMs / 1000))),
    p50: spread(hists.map((h) => h.percentile(50) / 1000)),
    p99: spread(hists.map((h) => h.percentile(99) / 1000)),
    errors,
  };
}

/**
 * Runs S5 (ours only, MariaDB required).
 * @param ctx the context
 * @returns the result
 */
export async function runDecisions(ctx: Ctx): Promise<DecisionsResult> {
  const { cfg, lg } = ctx;
  // The per-connection rate limit is a policy, not a cost: lifted so it does not cap the figure.
  const session = await startSession(ctx, "mysql", {
    RATE_LIMIT_PER_SEC: "1000000",
    RATE_LIMIT_BURST: "1000000",
  });
  const database = session.rows!.env.MYSQL_DB;
  if (database === undefined) throw new Error("the S5 session's rows have no MYSQL_DB");
  const pool = mysql.createPool({
    ...BENCH_MYSQL,
    database,
    connectionLimit: SERVER_POOL,
    maxIdle: SERVER_POOL,
    dateStrings: true,
    timezone: "Z",
    charset: "utf8mb4_unicode_ci",
  });
  pool.on("connection", (conn) => {
    (conn as unknown as { query(sql: string, cb: () => void): void }).query(
      "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED, innodb_lock_wait_timeout = 10",
      () => {},
    );
  });
  try {
    await openSpecial(ctx, session.server, "decider", cfg.deciders);
    const hubRounds = [];
    const floorRounds = [];
    for (let r = 0; r <= cfg.rounds; r++) {
      const ids = await session.rows!.insert(cfg.decisions);
      const res = await lg.first.call<
        { rtts: number[]; errors: Record<string, number>; elapsedUs: number }
      >(
        "decide",
        { ids },
        300_000,
      );
      const floorIds = await session.rows!.insert(cfg.decisions);
      const floor = await floorRound(pool, floorIds, cfg.deciders);
      if (r === 0) continue; // warm-up
      hubRounds.push({ lat: res.rtts, errors: res.errors, elapsedMs: res.elapsedUs / 1000 });
      floorRounds.push(floor);
    }
    return {
      deciders: cfg.deciders,
      decisionsPerRound: cfg.decisions,
      poolSize: SERVER_POOL,
      hub: summarize(hubRounds),
      floor: summarize(floorRounds),
    };
  } finally {
    await pool.end();
    await lg.closeAll();
    await session.close();
  }
}
